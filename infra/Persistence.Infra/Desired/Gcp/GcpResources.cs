using Persistence.Contracts;
using Persistence.Infra.Config;
using Persistence.Infra.Desired.Kubernetes;

namespace Persistence.Infra.Desired.Gcp;

/// <summary>
/// GCP side: the writers' service account with Workload Identity, the Secret Manager secret, Pub/Sub topics and
/// subscriptions with the dead-letter policy, a subscription holding the DLQ, and the IAM grants each needs.
/// </summary>
public static class GcpResources
{
    public const string Publisher = "roles/pubsub.publisher";
    public const string Subscriber = "roles/pubsub.subscriber";

    public const string ObjectViewer = "roles/storage.objectViewer";

    /// <summary>Dead-lettered messages stay this long on the DLQ topic and its subscription (the subscription maximum).</summary>
    public const string DeadLetterRetention = "604800s";

    public static GcpServiceAccount ServiceAccount(StackConfig c)
    {
        var gcp = c.ServiceAccount.Gcp ?? throw new InvalidOperationException("persistence:serviceAccount.gcp is required on GCP (validate reports it)");
        return new GcpServiceAccount(
            gcp.ServiceAccountId,
            gcp.ProjectId,
            $"Persistence writers ({c.Namespace})",
            $"{gcp.ServiceAccountId}@{gcp.ProjectId}.iam.gserviceaccount.com",
            "roles/iam.workloadIdentityUser",
            $"serviceAccount:{gcp.ProjectId}.svc.id.goog[{c.Namespace}/{c.ServiceAccount.Name}]");
    }

    public static GcpDesired Build(StackConfig c, Credentials credentials)
    {
        var pubsub = c.Bus.PubSub ?? throw new InvalidOperationException("persistence:bus.pubsub is required with PUBSUB (validate reports it)");
        var project = pubsub.ProjectId;
        var gsa = ServiceAccount(c);
        var agent = $"serviceAccount:service-{pubsub.ProjectNumber}@gcp-sa-pubsub.iam.gserviceaccount.com";
        var dlq = c.Bus.DeadLetterTopic;

        var topics = c.Bus.ConfiguredTopics().Select(t => t.Id).Distinct(StringComparer.Ordinal)
            .Select(name => new PubSubTopic(name, project, null, false)).ToList();
        if (dlq is not null) topics.Add(new PubSubTopic(dlq, project, DeadLetterRetention, true));

        var subscriptions = new List<PubSubSubscription>();
        var topicGrants = new List<PubSubTopicGrant>();
        var subscriptionGrants = new List<PubSubSubscriptionGrant>();
        foreach (var w in c.Writers)
        {
            var name = c.Bus.Subscriptions.Subscription(w.Type);
            var topic = c.Bus.Topics.Topic(WriterCatalog.Get(w.Type).Reads);
            if (name is null || topic is null || subscriptions.Any(s => s.Name == name)) continue;
            subscriptions.Add(new PubSubSubscription(name, project, topic, pubsub.AckDeadlineSeconds,
                dlq is null ? null : new DeadLetterPolicy(dlq, pubsub.MaxDeliveryAttempts),
                "10s", "600s", null, w.Name));
            subscriptionGrants.Add(new(name, project, Subscriber, gsa.Member, $"{w.Name} pulls and acknowledges"));
            if (dlq is not null)
                subscriptionGrants.Add(new(name, project, Subscriber, agent, "the Pub/Sub service agent acknowledges what it dead-letters"));
            if (c.Bus.PublishedTopic(w.Type) is { } output && !topicGrants.Any(g => g.Topic == output && g.Member == gsa.Member))
                topicGrants.Add(new(output, project, Publisher, gsa.Member, $"{w.Name} republishes to it"));
        }
        if (dlq is not null)
        {
            // A topic without a subscription drops what is published to it.
            subscriptions.Add(new PubSubSubscription($"{dlq}-hold", project, dlq, 600, null, "10s", "600s", DeadLetterRetention, null));
            topicGrants.Add(new(dlq, project, Publisher, agent, "the Pub/Sub service agent forwards undeliverable messages"));
            topicGrants.Add(new(dlq, project, Publisher, gsa.Member, "writers dead-letter messages they can never write"));
        }

        var projectGrants = new List<ProjectGrant>
        {
            // KEDA's prometheus trigger authenticates as its operator (podIdentity gcp) and reads Cloud Monitoring.
            new(project, "roles/monitoring.viewer", KedaMember(c, pubsub),
                "KEDA reads num_undelivered_messages through Cloud Monitoring's PromQL endpoint"),
        };

        // The bulk insert writer reads (and lists nothing but) the objects announced on its bus.
        var bucketGrants = new List<BucketGrant>();
        if (UploadBucketName(c) is { } bucket && c.Writers.Any(w => w.Type == WriterType.OFFLINE_STORE_BULK_INSERT_WRITER))
            bucketGrants.Add(new(bucket, ObjectViewer, gsa.Member, "the bulk insert writer reads the parquet files it loads"));

        var secret = credentials.StoreFields.Count == 0 ? null : new GcpSecret(
            c.Secrets.Name ?? $"{c.Namespace}-credentials", c.Secrets.ProjectId ?? gsa.ProjectId, "automatic", credentials.StoreFields);

        return new GcpDesired(project, pubsub.ProjectNumber, gsa, secret, topics, subscriptions, topicGrants, subscriptionGrants,
            projectGrants, bucketGrants, c.Images.Registry.Split('/')[0]);
    }

    /// <summary>"gs://bucket/prefix" -> "bucket"; null unless a gs:// bucket is configured.</summary>
    public static string? UploadBucketName(StackConfig c) =>
        c.Stores.UploadBucket is { } uri && uri.StartsWith("gs://", StringComparison.Ordinal) && uri.Length > "gs://".Length
            ? uri["gs://".Length..].Split('/')[0]
            : null;

    /// <summary>
    /// KEDA's operator as an IAM member: the Google service account its ServiceAccount is annotated with, or else its
    /// Kubernetes ServiceAccount as a Workload Identity Federation principal.
    /// </summary>
    public static string KedaMember(StackConfig c, PubSubConfig pubsub) =>
        c.Keda.GoogleServiceAccount is { } email
            ? $"serviceAccount:{email}"
            : $"principal://iam.googleapis.com/projects/{pubsub.ProjectNumber}/locations/global/workloadIdentityPools/{pubsub.ProjectId}.svc.id.goog/subject/ns/{c.Keda.Namespace}/sa/{c.Keda.ServiceAccount}";
}
