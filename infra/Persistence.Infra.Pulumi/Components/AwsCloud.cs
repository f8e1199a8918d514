using Persistence.Infra.Desired;
using Pulumi;
using Aws = Pulumi.Aws;

namespace Persistence.PulumiHost.Components;

/// <summary>
/// AWS side of the desired state: the customer-managed KMS key and the Secrets Manager secret MSK SCRAM reads
/// (name starting AmazonMSK_), its resource policy and cluster association, the IRSA role, and the ECR repository.
/// </summary>
public sealed class AwsCloud : ComponentResource
{
    public Output<string> RoleArn { get; }
    public Output<string> SecretArn { get; }
    public Output<string> RepositoryUrl { get; }

    /// <summary>ECR login for the image push; the token is short-lived, so it is fetched on every run.</summary>
    public RegistryLogin RegistryLogin { get; }

    /// <summary>Resources the writer pods need before they start (identity and credentials).</summary>
    public IReadOnlyList<Resource> ReadyBeforeWriters { get; }

    public AwsCloud(string name, AwsDesired desired, Output<string> secretJson, ComponentResourceOptions? options = null)
        : base("persistence:stack:AwsCloud", name, options)
    {
        var child = new CustomResourceOptions { Parent = this };

        var key = new Aws.Kms.Key($"{name}-secret-key", new Aws.Kms.KeyArgs
        {
            Description = desired.KmsKey.Description,
            EnableKeyRotation = true,
            DeletionWindowInDays = desired.KmsKey.DeletionWindowInDays,
        }, child);
        var alias = new Aws.Kms.Alias($"{name}-secret-key-alias", new Aws.Kms.AliasArgs
        {
            Name = desired.KmsKey.Alias,
            TargetKeyId = key.KeyId,
        }, child);

        var secret = new Aws.SecretsManager.Secret($"{name}-secret", new Aws.SecretsManager.SecretArgs
        {
            Name = desired.Secret.Name,
            Description = desired.Secret.Description,
            KmsKeyId = key.Arn,
        }, child);
        var version = new Aws.SecretsManager.SecretVersion($"{name}-secret-value", new Aws.SecretsManager.SecretVersionArgs
        {
            SecretId = secret.Id,
            SecretString = secretJson,
        }, child);
        var policy = new Aws.SecretsManager.SecretPolicy($"{name}-secret-policy", new Aws.SecretsManager.SecretPolicyArgs
        {
            SecretArn = secret.Arn,
            Policy = desired.Secret.ResourcePolicyJson,
        }, child);

        var ready = new List<Resource> { version, policy, alias };
        if (desired.ScramAssociation is { } scram)
        {
            // Single, not ScramSecretAssociation: the latter owns the cluster's whole secret list and would detach
            // secrets other stacks associated.
            ready.Add(new Aws.Msk.SingleScramSecretAssociation($"{name}-scram", new Aws.Msk.SingleScramSecretAssociationArgs
            {
                ClusterArn = scram.ClusterArn,
                SecretArn = secret.Arn,
            }, new CustomResourceOptions { Parent = this, DependsOn = { version, policy } }));
        }

        var role = new Aws.Iam.Role($"{name}-irsa", new Aws.Iam.RoleArgs
        {
            Name = desired.Role.Name,
            Description = desired.Role.Description,
            AssumeRolePolicy = desired.Role.TrustPolicyJson,
        }, child);
        ready.Add(new Aws.Iam.RolePolicy($"{name}-irsa-policy", new Aws.Iam.RolePolicyArgs
        {
            Role = role.Name,
            Name = desired.Role.InlinePolicyName,
            Policy = desired.Role.InlinePolicyJson,
        }, child));

        var repository = new Aws.Ecr.Repository($"{name}-ecr", new Aws.Ecr.RepositoryArgs
        {
            Name = desired.Repository.Name,
            ImageTagMutability = "IMMUTABLE",
            ImageScanningConfiguration = new Aws.Ecr.Inputs.RepositoryImageScanningConfigurationArgs { ScanOnPush = true },
        }, child);

        var token = Aws.Ecr.GetAuthorizationToken.Invoke(
            new Aws.Ecr.GetAuthorizationTokenInvokeArgs { RegistryId = repository.RegistryId }, new InvokeOptions { Parent = this });
        RegistryLogin = new RegistryLogin(
            token.Apply(t => t.ProxyEndpoint), token.Apply(t => t.UserName), Output.CreateSecret(token.Apply(t => t.Password)));

        RoleArn = role.Arn;
        SecretArn = secret.Arn;
        RepositoryUrl = repository.RepositoryUrl;
        ReadyBeforeWriters = [.. ready, role];
        RegisterOutputs(new Dictionary<string, object?>
        {
            ["roleArn"] = RoleArn, ["secretArn"] = SecretArn, ["repositoryUrl"] = RepositoryUrl,
        });
    }
}
