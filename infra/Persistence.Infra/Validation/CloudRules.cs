using System.Text.RegularExpressions;
using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>The cloud, the bus backend and the secret client must agree; the identity must be the cloud's.</summary>
internal static partial class CloudRules
{
    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        var cloud = Name(c.Cloud);
        if (c.Bus.Backend.Cloud() != c.Cloud)
            yield return Error($"{Paths.Bus}.backend",
                $"bus backend {Upper(c.Bus.Backend)} runs on {Name(c.Bus.Backend.Cloud())}, but cloud is {cloud} (secret client {Upper(c.Secrets.Client)})",
                c.Cloud == CloudProvider.Aws ? "use KAFKA (Amazon MSK) on aws" : "use PUBSUB on gcp");
        if (c.Secrets.Client.Cloud() != c.Cloud)
            yield return Error($"{Paths.Secrets}.client",
                $"secret client {Upper(c.Secrets.Client)} is {(c.Secrets.Client == SecretClient.Aws ? "AWS Secrets Manager" : "GCP Secret Manager")}, but cloud is {cloud} (bus backend {Upper(c.Bus.Backend)}); pods could not read it with their identity",
                $"set {Paths.Secrets}.client to {(c.Cloud == CloudProvider.Aws ? "AWS" : "GCP")}");

        if (!Names.IsDnsLabel(c.Namespace))
            yield return Error(Paths.Namespace, $"\"{c.Namespace}\" is not a valid Kubernetes namespace (lower-case letters, digits and '-', at most 63)",
                "e.g. background-persistence");
        if (!Names.IsDnsSubdomain(c.ServiceAccount.Name))
            yield return Error($"{Paths.ServiceAccount}.name", $"\"{c.ServiceAccount.Name}\" is not a valid Kubernetes ServiceAccount name",
                "use lower-case letters, digits, '-' and '.'");

        foreach (var p in c.Cloud == CloudProvider.Aws ? AwsIdentity(c) : GcpIdentity(c)) yield return p;
        foreach (var p in SecretsPlacement(c)) yield return p;
        foreach (var p in Images(c)) yield return p;
    }

    private static IEnumerable<ConfigProblem> AwsIdentity(StackConfig c)
    {
        const string path = $"{Paths.ServiceAccount}.aws";
        if (c.ServiceAccount.Gcp is not null)
            yield return Warning($"{Paths.ServiceAccount}.gcp", "ignored on aws", $"remove it: pulumi config rm --path '{Paths.ServiceAccount}.gcp'");
        if (c.ServiceAccount.Aws is not { } aws)
        {
            yield return Error(path, "cloud aws needs the EKS OIDC provider for IRSA (the writers' IAM role trusts it)",
                $"set {path}.eksOidcProviderArn and {path}.eksOidcIssuer (aws eks describe-cluster --query cluster.identity.oidc.issuer)");
            yield break;
        }
        var arn = OidcProviderArn().Match(aws.EksOidcProviderArn);
        if (!arn.Success)
            yield return Error($"{path}.eksOidcProviderArn", $"\"{aws.EksOidcProviderArn}\" is not an IAM OIDC provider ARN",
                "expected arn:aws:iam::<12-digit account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>");
        if (aws.EksOidcIssuer.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            yield return Error($"{path}.eksOidcIssuer", "the issuer is used in IAM condition keys, which have no scheme",
                $"drop the https:// prefix: {aws.EksOidcIssuer["https://".Length..]}");
        else if (arn.Success && arn.Groups["issuer"].Value != aws.EksOidcIssuer)
            yield return Error($"{path}.eksOidcIssuer", $"the issuer \"{aws.EksOidcIssuer}\" is not the one in eksOidcProviderArn (\"{arn.Groups["issuer"].Value}\"); the role's trust would never match",
                "use the same cluster's issuer in both");
    }

    private static IEnumerable<ConfigProblem> GcpIdentity(StackConfig c)
    {
        const string path = $"{Paths.ServiceAccount}.gcp";
        if (c.ServiceAccount.Aws is not null)
            yield return Warning($"{Paths.ServiceAccount}.aws", "ignored on gcp", $"remove it: pulumi config rm --path '{Paths.ServiceAccount}.aws'");
        if (c.ServiceAccount.Gcp is not { } gcp)
        {
            yield return Error(path, "cloud gcp needs a Google service account for Workload Identity",
                $"set {path}.serviceAccountId and {path}.projectId");
            yield break;
        }
        if (!Names.IsGcpServiceAccountId(gcp.ServiceAccountId))
            yield return Error($"{path}.serviceAccountId", $"\"{gcp.ServiceAccountId}\" is not a service account id (6-30 lower-case letters, digits, '-', starting with a letter)",
                "use the part before '@', e.g. bg-persistence-writers");
        if (!Names.IsGcpProjectId(gcp.ProjectId))
            yield return Error($"{path}.projectId", $"\"{gcp.ProjectId}\" is not a GCP project id (6-30 lower-case letters, digits, '-')",
                "use the project id, not its name or number");
    }

    private static IEnumerable<ConfigProblem> SecretsPlacement(StackConfig c)
    {
        if (c.Secrets.Name is { } name && (name.Length == 0 || name.Length > 255))
            yield return Error($"{Paths.Secrets}.name", "the secret name must be 1-255 characters", "shorten it");
        if (c.Cloud == CloudProvider.Gcp && c.Secrets.KmsKeyId is not null)
            yield return Warning($"{Paths.Secrets}.kmsKeyId", "ignored on gcp (Secret Manager encrypts with Google-managed keys here)", "remove it");
        if (c.Cloud == CloudProvider.Aws && c.Secrets.ProjectId is not null)
            yield return Warning($"{Paths.Secrets}.projectId", "ignored on aws", "remove it");
        if (c.Secrets.ProjectId is { } project && !Names.IsGcpProjectId(project))
            yield return Error($"{Paths.Secrets}.projectId", $"\"{project}\" is not a GCP project id", "use the project id");
    }

    private static IEnumerable<ConfigProblem> Images(StackConfig c)
    {
        var registry = c.Images.Registry;
        if (registry.Contains("://", StringComparison.Ordinal))
            yield return Error($"{Paths.Images}.registry", "an image registry has no scheme", $"drop the scheme: {registry[(registry.IndexOf("://", StringComparison.Ordinal) + 3)..]}");
        else if (registry.Trim().Length == 0 || registry.Contains(' ', StringComparison.Ordinal) || registry.EndsWith('/'))
            yield return Error($"{Paths.Images}.registry", $"\"{registry}\" is not a registry host and path", "e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com");
        if (c.Images.Repository.Contains(':', StringComparison.Ordinal))
            yield return Error($"{Paths.Images}.repository", "the repository must not carry a tag", $"put the tag in {Paths.Images}.tag or a writer's version");
        if (c.Images.Tag is { } tag && !Names.IsImageTag(tag))
            yield return Error($"{Paths.Images}.tag", $"\"{tag}\" is not a valid image tag", "letters, digits, '_', '.', '-' (at most 128)");
        else if (c.Images.Tag is { } pinned && !Names.IsContentTag(pinned))
            yield return Warning($"{Paths.Images}.tag",
                $"pins every writer to \"{pinned}\" and builds nothing, so {registry}/{c.Images.Repository}:{pinned} must already exist or the pods get ImagePullBackOff",
                $"push that tag first, or remove the pin so the stack builds its own: pulumi config rm --path '{Paths.Images}.tag'");
    }

    private static string Name(CloudProvider cloud) => cloud.ToString().ToLowerInvariant();
    private static string Upper(Enum value) => value.ToString().ToUpperInvariant();

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/(?<issuer>.+)$")]
    private static partial Regex OidcProviderArn();
}
