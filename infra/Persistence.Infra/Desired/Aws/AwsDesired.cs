namespace Persistence.Infra.Desired.Aws;

/// <summary>AWS resources of a Kafka (MSK) stack. Policies are JSON documents ready for the IAM/Secrets Manager APIs.</summary>
public sealed record AwsDesired(
    string AccountId,
    string Region,
    AwsKmsKey KmsKey,
    IReadOnlyList<AwsSecret> Secrets,
    AwsIrsaRole Role,
    IReadOnlyList<KafkaTopic> KafkaTopics,
    AwsEcrRepository? Repository)
{
    /// <summary>The DynamoDB online table when stores.online.kind is dynamodb.</summary>
    public AwsDynamoDbTable? OnlineTable { get; init; }
}

/// <summary>
/// The customer-managed key encrypting the secrets (MSK SCRAM refuses secrets under the AWS-managed key).
/// <see cref="Create"/> false: <see cref="KeyId"/> names an existing key (id or ARN) and nothing is created.
/// </summary>
public sealed record AwsKmsKey(bool Create, string? Alias, string? KeyId, string Description, int DeletionWindowInDays, bool RotateYearly = true);

/// <summary>A Secrets Manager secret; its value is the JSON object of <see cref="Fields"/>, filled from secret config.</summary>
/// <param name="ResourcePolicyJson">Resource policy, or null for none (only the MSK secret needs one).</param>
/// <param name="ScramClusterArn">MSK cluster to associate the secret with (SCRAM), or null.</param>
public sealed record AwsSecret(
    string Purpose,
    string Name,
    string Description,
    IReadOnlyList<SecretField> Fields,
    string? ResourcePolicyJson,
    string? ScramClusterArn);

/// <summary>IAM role for the writers' ServiceAccount (IRSA) and its one inline policy (null: the writers need no AWS rights).</summary>
public sealed record AwsIrsaRole(string Name, string Arn, string Description, string TrustPolicyJson, string InlinePolicyName, string? InlinePolicyJson);

/// <summary>A Kafka topic the in-cluster Job ensures (MSK has no topic resource in the pinned provider).</summary>
public sealed record KafkaTopic(string Name, int Partitions, int ReplicationFactor, int RetentionHours, bool IsDeadLetter);

/// <summary>The ECR repository the image is pushed to (when the registry is ECR).</summary>
public sealed record AwsEcrRepository(string Name, string ImageTagMutability, bool ScanOnPush);
