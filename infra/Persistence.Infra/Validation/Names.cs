using System.Text.RegularExpressions;

namespace Persistence.Infra.Validation;

/// <summary>Name rules of Kubernetes, Pub/Sub, Kafka, GCP and container images.</summary>
internal static partial class Names
{
    /// <summary>RFC 1123 label: what a Deployment, its pods' labels and the KEDA objects named after a writer need.</summary>
    public static bool IsDnsLabel(string name) => name.Length <= 63 && DnsLabel().IsMatch(name);

    public static bool IsDnsSubdomain(string name) => name.Length <= 253 && name.Split('.').All(p => p.Length > 0 && DnsLabel().IsMatch(p));

    /// <summary>Pub/Sub topic and subscription ids: 3-255 chars, start with a letter, not "goog".</summary>
    public static bool IsPubSubName(string name) =>
        name.Length is >= 3 and <= 255 && PubSubName().IsMatch(name) && !name.StartsWith("goog", StringComparison.OrdinalIgnoreCase);

    public static bool IsKafkaTopic(string name) => name.Length <= 249 && name is not "." and not ".." && KafkaTopic().IsMatch(name);

    public static bool IsGcpProjectId(string id) => GcpProjectId().IsMatch(id);

    public static bool IsGcpServiceAccountId(string id) => GcpServiceAccountId().IsMatch(id);

    public static bool IsImageTag(string tag) => ImageTag().IsMatch(tag);

    /// <summary>A tag this stack's own builds produce (<see cref="Desired.Image.ContentHash.Tag"/>): "sha-" and 12 hex.</summary>
    public static bool IsContentTag(string tag) =>
        tag.Length == Desired.Image.ContentHash.Prefix.Length + 12 && tag.StartsWith(Desired.Image.ContentHash.Prefix, StringComparison.Ordinal)
        && tag[Desired.Image.ContentHash.Prefix.Length..].All(char.IsAsciiHexDigitLower);

    /// <summary>A user-managed service account: &lt;6-30 char id&gt;@&lt;project&gt;.iam.gserviceaccount.com.</summary>
    public static bool IsGoogleServiceAccountEmail(string email) =>
        email.Split('@') is [var id, var domain] && IsGcpServiceAccountId(id)
        && domain.EndsWith(".iam.gserviceaccount.com", StringComparison.Ordinal) && IsGcpProjectId(domain[..^".iam.gserviceaccount.com".Length]);

    public static bool IsHostPort(string address) => HostPort().IsMatch(address);

    public static bool IsPlaceholder(string value) => Placeholder().IsMatch(value) || value.Trim() == "...";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9\-_.~+%]*$")]
    private static partial Regex PubSubName();

    [GeneratedRegex(@"^[A-Za-z0-9._\-]+$")]
    private static partial Regex KafkaTopic();

    [GeneratedRegex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    private static partial Regex GcpProjectId();

    [GeneratedRegex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    private static partial Regex GcpServiceAccountId();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex ImageTag();

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9\-.]*[A-Za-z0-9])?:[0-9]{1,5}$")]
    private static partial Regex HostPort();

    [GeneratedRegex("<[^<>]+>")]
    private static partial Regex Placeholder();
}
