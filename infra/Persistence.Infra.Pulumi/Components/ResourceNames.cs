using Persistence.Infra.Desired.Gcp;

namespace Persistence.PulumiHost.Components;

/// <summary>
/// Pulumi logical names of the per-item resources. They come from the desired state's own names, so adding or
/// removing one item never renames (and so never replaces) the others; a name must be unique per resource type.
/// </summary>
public static class ResourceNames
{
    public static string Topic(string prefix, PubSubTopic topic) => $"{prefix}-topic-{topic.Name}";

    public static string Subscription(string prefix, PubSubSubscription subscription) => $"{prefix}-sub-{subscription.Name}";

    public static string TopicGrant(string prefix, PubSubTopicGrant grant) =>
        $"{prefix}-topic-{grant.Topic}-{Slug(grant.Role)}-{Slug(grant.Member)}";

    public static string SubscriptionGrant(string prefix, PubSubSubscriptionGrant grant) =>
        $"{prefix}-sub-{grant.Subscription}-{Slug(grant.Role)}-{Slug(grant.Member)}";

    public static string ProjectGrant(string prefix, ProjectGrant grant) => $"{prefix}-project-{Slug(grant.Role)}-{Slug(grant.Member)}";

    public static string BucketGrant(string prefix, BucketGrant grant) => $"{prefix}-bucket-{grant.Bucket}-{Slug(grant.Role)}-{Slug(grant.Member)}";

    /// <summary>"roles/pubsub.publisher" -> "pubsub-publisher", "serviceAccount:a@b.iam..." -> "serviceaccount-a-b-iam-...".</summary>
    public static string Slug(string text) =>
        new string([.. text.Replace("roles/", "", StringComparison.Ordinal).Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')]).Trim('-');
}
