namespace Persistence.Infra.Desired.Gcp;

/// <summary>GCP resources of a Pub/Sub stack. IAM members are complete strings ("serviceAccount:...", "principal://...").</summary>
public sealed record GcpDesired(
    string ProjectId,
    string ProjectNumber,
    GcpServiceAccount ServiceAccount,
    GcpSecret? Secret,
    IReadOnlyList<PubSubTopic> Topics,
    IReadOnlyList<PubSubSubscription> Subscriptions,
    IReadOnlyList<PubSubTopicGrant> TopicGrants,
    IReadOnlyList<PubSubSubscriptionGrant> SubscriptionGrants,
    IReadOnlyList<ProjectGrant> ProjectGrants,
    IReadOnlyList<BucketGrant> BucketGrants,
    string RegistryHost);

/// <summary>The writers' Google service account and the Workload Identity binding letting the Kubernetes SA act as it.</summary>
public sealed record GcpServiceAccount(
    string AccountId,
    string ProjectId,
    string DisplayName,
    string Email,
    string WorkloadIdentityRole,
    string WorkloadIdentityMember)
{
    public string Member => $"serviceAccount:{Email}";
}

/// <summary>
/// Secret Manager secret (automatic replication) whose value is the JSON of <see cref="Fields"/>: a copy of the store
/// credentials for operators. No writer reads it (they read the files mounted from the Kubernetes Secret), so nobody
/// is granted access to it.
/// </summary>
public sealed record GcpSecret(string SecretId, string ProjectId, string Replication, IReadOnlyList<SecretField> Fields);

/// <param name="MessageRetentionDuration">e.g. "604800s", or null for Pub/Sub's default.</param>
public sealed record PubSubTopic(string Name, string ProjectId, string? MessageRetentionDuration, bool IsDeadLetter);

/// <param name="Topic">Name of a topic in <see cref="GcpDesired.Topics"/>.</param>
/// <param name="DeadLetter">Null only for the subscription on the dead-letter topic itself.</param>
/// <param name="Writer">The writer consuming it, or null for the dead-letter subscription (kept for people to inspect).</param>
public sealed record PubSubSubscription(
    string Name,
    string ProjectId,
    string Topic,
    int AckDeadlineSeconds,
    DeadLetterPolicy? DeadLetter,
    string MinimumBackoff,
    string MaximumBackoff,
    string? MessageRetentionDuration,
    string? Writer,
    string ExpirationTtl = PubSubSubscription.NeverExpire)
{
    /// <summary>expirationPolicy.ttl "" means never expire (Pub/Sub's default deletes a subscription idle 31 days).</summary>
    public const string NeverExpire = "";
}

public sealed record DeadLetterPolicy(string Topic, int MaxDeliveryAttempts);

public sealed record PubSubTopicGrant(string Topic, string ProjectId, string Role, string Member, string Why);

public sealed record PubSubSubscriptionGrant(string Subscription, string ProjectId, string Role, string Member, string Why);

public sealed record ProjectGrant(string ProjectId, string Role, string Member, string Why);

/// <summary>An IAM member on a Cloud Storage bucket (the bucket name, without gs://).</summary>
public sealed record BucketGrant(string Bucket, string Role, string Member, string Why);
