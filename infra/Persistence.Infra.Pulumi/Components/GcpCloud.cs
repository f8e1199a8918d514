using Persistence.Infra.Desired;
using Pulumi;
using Gcp = Pulumi.Gcp;

namespace Persistence.PulumiHost.Components;

/// <summary>
/// GCP side of the desired state: the Google service account with its Workload Identity binding and project roles,
/// the Secret Manager secret, and the Pub/Sub topics and subscriptions with the dead-letter policy and the Pub/Sub
/// service agent's rights on the dead-letter topic.
/// </summary>
public sealed class GcpCloud : ComponentResource
{
    public Output<string> ServiceAccountEmail { get; }
    public IReadOnlyDictionary<string, Output<string>> TopicNames { get; }
    public IReadOnlyDictionary<string, Output<string>> SubscriptionNames { get; }

    /// <summary>Artifact Registry login for the image push with the deployer's own access token.</summary>
    public RegistryLogin RegistryLogin { get; }

    /// <summary>Resources the writer pods need before they start (identity, credentials, subscriptions).</summary>
    public IReadOnlyList<Resource> ReadyBeforeWriters { get; }

    public GcpCloud(string name, GcpDesired desired, Output<string> secretJson, ComponentResourceOptions? options = null)
        : base("persistence:stack:GcpCloud", name, options)
    {
        var child = new CustomResourceOptions { Parent = this };
        var ready = new List<Resource>();

        var account = new Gcp.ServiceAccount.Account($"{name}-gsa", new Gcp.ServiceAccount.AccountArgs
        {
            AccountId = desired.ServiceAccount.AccountId,
            DisplayName = desired.ServiceAccount.DisplayName,
            Project = desired.ServiceAccount.ProjectId,
        }, child);
        ready.Add(new Gcp.ServiceAccount.IAMMember($"{name}-workload-identity", new Gcp.ServiceAccount.IAMMemberArgs
        {
            ServiceAccountId = account.Name,
            Role = desired.ServiceAccount.WorkloadIdentityRole,
            Member = desired.ServiceAccount.WorkloadIdentityMember,
        }, child));
        foreach (var role in desired.ServiceAccount.ProjectRoles)
        {
            ready.Add(new Gcp.Projects.IAMMember($"{name}-gsa-{Slug(role)}", new Gcp.Projects.IAMMemberArgs
            {
                Project = desired.ServiceAccount.ProjectId,
                Role = role,
                Member = account.Member,
            }, child));
        }

        var secret = new Gcp.SecretManager.Secret($"{name}-secret", new Gcp.SecretManager.SecretArgs
        {
            SecretId = desired.Secret.SecretId,
            Project = desired.Secret.ProjectId,
            Replication = new Gcp.SecretManager.Inputs.SecretReplicationArgs
            {
                Auto = new Gcp.SecretManager.Inputs.SecretReplicationAutoArgs(),
            },
        }, child);
        ready.Add(new Gcp.SecretManager.SecretVersion($"{name}-secret-value", new Gcp.SecretManager.SecretVersionArgs
        {
            Secret = secret.Id,
            SecretData = secretJson,
        }, child));
        ready.Add(new Gcp.SecretManager.SecretIamMember($"{name}-secret-accessor", new Gcp.SecretManager.SecretIamMemberArgs
        {
            Project = desired.Secret.ProjectId,
            SecretId = secret.SecretId,
            Role = "roles/secretmanager.secretAccessor",
            Member = account.Member,
        }, child));

        var topics = new Dictionary<string, Gcp.PubSub.Topic>(StringComparer.Ordinal);
        foreach (var topic in desired.Topics)
        {
            topics[topic.Name] = new Gcp.PubSub.Topic($"{name}-topic-{topic.Name}", new Gcp.PubSub.TopicArgs
            {
                Name = topic.Name,
                Project = topic.ProjectId,
                MessageRetentionDuration = topic.MessageRetentionDuration,
            }, child);
        }

        var subscriptions = new Dictionary<string, Output<string>>(StringComparer.Ordinal);
        foreach (var sub in desired.Subscriptions)
        {
            var subscription = new Gcp.PubSub.Subscription($"{name}-sub-{sub.Name}", new Gcp.PubSub.SubscriptionArgs
            {
                Name = sub.Name,
                Project = sub.ProjectId,
                Topic = topics[sub.Topic].Id,
                AckDeadlineSeconds = sub.AckDeadlineSeconds,
                DeadLetterPolicy = sub.DeadLetter is { } dl
                    ? new Gcp.PubSub.Inputs.SubscriptionDeadLetterPolicyArgs
                    {
                        DeadLetterTopic = topics[dl.Topic].Id,
                        MaxDeliveryAttempts = dl.MaxDeliveryAttempts,
                    }
                    : null,
                RetryPolicy = new Gcp.PubSub.Inputs.SubscriptionRetryPolicyArgs
                {
                    MinimumBackoff = sub.MinimumBackoff,
                    MaximumBackoff = sub.MaximumBackoff,
                },
            }, child);
            subscriptions[sub.Name] = subscription.Name;
            ready.Add(subscription);
        }

        foreach (var grant in desired.TopicGrants)
        {
            ready.Add(new Gcp.PubSub.TopicIAMMember($"{name}-topic-{grant.Topic}-{Slug(grant.Role)}-{Slug(grant.Member)}",
                new Gcp.PubSub.TopicIAMMemberArgs
                {
                    Project = grant.ProjectId,
                    Topic = topics[grant.Topic].Name,
                    Role = grant.Role,
                    Member = grant.Member,
                }, child));
        }
        foreach (var grant in desired.SubscriptionGrants)
        {
            ready.Add(new Gcp.PubSub.SubscriptionIAMMember($"{name}-sub-{grant.Subscription}-{Slug(grant.Role)}-{Slug(grant.Member)}",
                new Gcp.PubSub.SubscriptionIAMMemberArgs
                {
                    Project = grant.ProjectId,
                    Subscription = subscriptions[grant.Subscription],
                    Role = grant.Role,
                    Member = grant.Member,
                }, child));
        }

        var client = Gcp.Organizations.GetClientConfig.Invoke(new InvokeOptions { Parent = this });
        RegistryLogin = new RegistryLogin(desired.RegistryHost, "oauth2accesstoken",
            Output.CreateSecret(client.Apply(c => c.AccessToken)));

        ServiceAccountEmail = account.Email;
        TopicNames = topics.ToDictionary(t => t.Key, t => t.Value.Name);
        SubscriptionNames = subscriptions;
        ReadyBeforeWriters = ready;
        RegisterOutputs(new Dictionary<string, object?> { ["serviceAccountEmail"] = ServiceAccountEmail });
    }

    /// <summary>A Pulumi resource-name fragment from a role or member ("roles/pubsub.publisher" -> "pubsub-publisher").</summary>
    private static string Slug(string text) =>
        new string([.. text.Replace("roles/", "").Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')]).Trim('-');
}
