using Persistence.Infra.Desired.Aws;
using Persistence.PulumiHost.Hosting;
using Pulumi;
using Aws = Pulumi.Aws;

namespace Persistence.PulumiHost.Components;

/// <summary>
/// <see cref="AwsDesired"/> as resources: the account and region pinned on an explicit provider, the KMS key, one
/// Secrets Manager secret per <see cref="AwsSecret"/> (with its policy and SCRAM association where given), the IRSA
/// role, the DynamoDB online table (when created) and the ECR repository. Kafka topics are not AWS resources here: the Kubernetes topics Job ensures them.
/// </summary>
public sealed class AwsCloud : ComponentResource
{
    public Output<string> RoleArn { get; }

    /// <summary><see cref="AwsSecret.Purpose"/> -> ARN.</summary>
    public IReadOnlyDictionary<string, Output<string>> SecretArns { get; }

    /// <summary>ECR login for the image push (fetched on every run: the token is short-lived); null without ECR.</summary>
    public RegistryLogin? RegistryLogin { get; }

    /// <summary>What the writer pods need before they start: identity and credentials.</summary>
    public IReadOnlyList<Resource> ReadyBeforeWriters { get; }

    public AwsCloud(string name, AwsDesired desired, StackSecrets secrets, ComponentResourceOptions? options = null)
        : base("persistence:stack:AwsCloud", name, options)
    {
        // The desired ARNs and policies name this account and region; the provider refuses any other account.
        var provider = new Aws.Provider($"{name}-provider", new Aws.ProviderArgs
        {
            Region = desired.Region,
            AllowedAccountIds = { desired.AccountId },
        }, new CustomResourceOptions { Parent = this });
        var child = new CustomResourceOptions { Parent = this, Provider = provider };
        var ready = new List<Resource>();
        // An existing SASL secret (bus.kafka.useExistingSaslSecret) is read in the same account and region.
        secrets.AwsProvider = provider;

        var kmsKeyId = KmsKey(name, desired.KmsKey, child, ready);

        var secretArns = new Dictionary<string, Output<string>>(StringComparer.Ordinal);
        foreach (var s in desired.Secrets)
        {
            var secret = new Aws.SecretsManager.Secret($"{name}-{s.Purpose}", new Aws.SecretsManager.SecretArgs
            {
                Name = s.Name,
                Description = s.Description,
                KmsKeyId = kmsKeyId,
            }, child);
            var value = new Aws.SecretsManager.SecretVersion($"{name}-{s.Purpose}-value", new Aws.SecretsManager.SecretVersionArgs
            {
                SecretId = secret.Id,
                SecretString = secrets.Json(s.Fields),
            }, child);
            ready.Add(value);

            var associationAfter = new List<Resource> { value };
            if (s.ResourcePolicyJson is { } policyJson)
            {
                var policy = new Aws.SecretsManager.SecretPolicy($"{name}-{s.Purpose}-policy", new Aws.SecretsManager.SecretPolicyArgs
                {
                    SecretArn = secret.Arn,
                    Policy = policyJson,
                }, child);
                associationAfter.Add(policy);
            }
            if (s.ScramClusterArn is { } clusterArn)
            {
                // Single, not ScramSecretAssociation: the latter owns the cluster's whole secret list and would
                // detach secrets other stacks associated. MSK checks the value and policy, so they come first.
                ready.Add(new Aws.Msk.SingleScramSecretAssociation($"{name}-{s.Purpose}-scram", new Aws.Msk.SingleScramSecretAssociationArgs
                {
                    ClusterArn = clusterArn,
                    SecretArn = secret.Arn,
                }, new CustomResourceOptions { Parent = this, Provider = provider, DependsOn = associationAfter }));
            }
            secretArns[s.Purpose] = secret.Arn;
        }

        var role = new Aws.Iam.Role($"{name}-irsa", new Aws.Iam.RoleArgs
        {
            Name = desired.Role.Name,
            Description = desired.Role.Description,
            AssumeRolePolicy = desired.Role.TrustPolicyJson,
        }, child);
        ready.Add(role);
        if (desired.Role.InlinePolicyJson is { } inlinePolicy)
        {
            ready.Add(new Aws.Iam.RolePolicy($"{name}-irsa-policy", new Aws.Iam.RolePolicyArgs
            {
                Role = role.Name,
                Name = desired.Role.InlinePolicyName,
                Policy = inlinePolicy,
            }, child));
        }

        if (desired.OnlineTable is { Create: true } table)
        {
            // Read at the pin: sdk/dotnet/DynamoDB/Table.cs (TableArgs), Inputs/TableAttributeArgs.cs, Inputs/TableTtlArgs.cs
            // (docs/pulumi-host.md, verification table). The writer needs the table before its first PutItem.
            ready.Add(new Aws.DynamoDB.Table($"{name}-online-table", new Aws.DynamoDB.TableArgs
            {
                Name = table.Name,
                BillingMode = table.BillingMode,
                HashKey = table.HashKey,
                Attributes = { new Aws.DynamoDB.Inputs.TableAttributeArgs { Name = table.HashKey, Type = table.HashKeyType } },
                Ttl = new Aws.DynamoDB.Inputs.TableTtlArgs { AttributeName = table.TtlAttribute, Enabled = table.TtlEnabled },
            }, child));
        }

        if (desired.Repository is { } repo)
        {
            var repository = new Aws.Ecr.Repository($"{name}-ecr", new Aws.Ecr.RepositoryArgs
            {
                Name = repo.Name,
                ImageTagMutability = repo.ImageTagMutability,
                ImageScanningConfiguration = new Aws.Ecr.Inputs.RepositoryImageScanningConfigurationArgs { ScanOnPush = repo.ScanOnPush },
            }, child);
            var token = Aws.Ecr.GetAuthorizationToken.Invoke(
                new Aws.Ecr.GetAuthorizationTokenInvokeArgs { RegistryId = repository.RegistryId },
                new InvokeOptions { Parent = this, Provider = provider });
            RegistryLogin = new RegistryLogin(
                token.Apply(t => t.ProxyEndpoint), token.Apply(t => t.UserName), Output.CreateSecret(token.Apply(t => t.Password)));
        }

        RoleArn = role.Arn;
        SecretArns = secretArns;
        ReadyBeforeWriters = ready;
        RegisterOutputs(new Dictionary<string, object?> { ["roleArn"] = RoleArn });
    }

    /// <summary><see cref="AwsKmsKey.Create"/>: a new key (and its alias, when named); otherwise the existing <see cref="AwsKmsKey.KeyId"/>.</summary>
    private static Input<string>? KmsKey(string name, AwsKmsKey desired, CustomResourceOptions child, List<Resource> ready)
    {
        if (!desired.Create) return Optional.Input(desired.KeyId);

        var key = new Aws.Kms.Key($"{name}-secrets-key", new Aws.Kms.KeyArgs
        {
            Description = desired.Description,
            EnableKeyRotation = desired.RotateYearly,
            DeletionWindowInDays = desired.DeletionWindowInDays,
        }, child);
        if (desired.Alias is { } alias)
        {
            ready.Add(new Aws.Kms.Alias($"{name}-secrets-key-alias", new Aws.Kms.AliasArgs
            {
                Name = alias,
                TargetKeyId = key.KeyId,
            }, child));
        }
        return key.Arn;
    }
}
