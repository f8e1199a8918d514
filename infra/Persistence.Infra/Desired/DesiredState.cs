using Persistence.Infra.Desired.Aws;
using Persistence.Infra.Desired.Gcp;
using Persistence.Infra.Desired.Image;
using Persistence.Infra.Desired.Kubernetes;

namespace Persistence.Infra.Desired;

/// <summary>What <see cref="DesiredStateBuilder"/> needs besides the config: the stack and the checkout (for the image hash).</summary>
/// <param name="ContentTag">A content-hash tag computed once already (<see cref="Image.ContentHash.Tag"/>), so several
/// builds see the same writers/ even while it is being edited; null computes it.</param>
public sealed record DesiredContext(string StackName, string RepositoryRoot, string? ContentTag = null);

/// <summary>
/// Everything a stack creates, without Pulumi: the Pulumi host maps each member to one provider resource and
/// `persistence-infra render` writes the same data to files. Exactly one of <see cref="Aws"/> and <see cref="Gcp"/> is set.
/// </summary>
public sealed record DesiredState(
    string StackName,
    string Namespace,
    WriterImage Image,
    DesiredKubernetes Kubernetes,
    AwsDesired? Aws,
    GcpDesired? Gcp,
    StackOutputs Outputs);

/// <summary>Stack outputs that help operators: where things are and what they are called.</summary>
public sealed record StackOutputs(
    string Namespace,
    string ImageReference,
    IReadOnlyList<string> DeploymentNames,
    IReadOnlyList<string> TopicNames,
    IReadOnlyList<string> SubscriptionNames);

/// <summary>A value filled at `pulumi up`, by where it comes from, never the value itself.</summary>
/// <param name="Field">The JSON field or Secret key it fills, e.g. "password".</param>
/// <param name="ConfigKey">The key under persistence:, e.g. "kafkaSaslPassword" (unused when <paramref name="Existing"/> is set).</param>
/// <param name="Existing">Set when the value is read from an existing cloud secret instead of secret config.</param>
public sealed record SecretField(string Field, string ConfigKey, ExistingSecretValue? Existing = null)
{
    /// <summary>For reviewers: "persistence:kafkaSaslPassword", or "secretsmanager:AmazonMSK_x#password".</summary>
    public string Source => Existing is { } e ? $"secretsmanager:{e.SecretName}#{e.JsonKey}" : $"persistence:{ConfigKey}";
}

/// <summary>One key of the JSON value of an existing AWS Secrets Manager secret, read by the host at `pulumi up`.</summary>
public sealed record ExistingSecretValue(string SecretName, string JsonKey);
