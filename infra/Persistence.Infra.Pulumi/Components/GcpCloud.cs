using Persistence.Infra.Desired.Gcp;
using Persistence.PulumiHost.Hosting;
using Pulumi;
using Gcp = Pulumi.Gcp;

namespace Persistence.PulumiHost.Components;

/// <summary>
/// <see cref="GcpDesired"/> as resources: the project pinned on an explicit provider, the writers' service account with its Workload Identity binding, the Secret
/// Manager secret, Pub/Sub topics and subscriptions (dead-letter and retry policy), and every topic, subscription and
/// project grant. IAM members are the desired state's complete strings.
/// </summary>
public sealed class GcpCloud : ComponentResource
{
    public Output<string> ServiceAccountEmail { get; }

    /// <summary>Artifact Registry login for the image push with the deployer's own access token.</summary>
    public RegistryLogin RegistryLogin { get; }

    /// <summary>What the writer pods need before they start: identity, credentials, subscriptions and grants.</summary>
    public IReadOnlyList<Resource> ReadyBeforeWriters { get; }

    /// <summary>The project-pinned provider, for reads outside this component (the Memorystore server CA).</summary>
    public ProviderResource Provider { get; }

    public GcpCloud(string name, GcpDesired desired, StackSecrets secrets, ComponentResourceOptions? options = null)
        : base("persistence:stack:GcpCloud", name, options)
    {
        // Every resource also names its project; the provider pins the rest (the client token, defaults) to the same one.
        var provider = new Gcp.Provider($"{name}-provider", new Gcp.ProviderArgs { Project = desired.ProjectId },
            new CustomResourceOptions { Parent = this });
        Provider = provider;
        var child = new CustomResourceOptions { Parent = this, Provider = provider };
        var ready = new List<Resource>();

        var sa = desired.ServiceAccount;
        var account = new Gcp.ServiceAccount.Account($"{name}-gsa", new Gcp.ServiceAccount.AccountArgs
        {
            AccountId = sa.AccountId,
            DisplayName = sa.DisplayName,
            Project = sa.ProjectId,
        }, child);
        ready.Add(new Gcp.ServiceAccount.IAMMember($"{name}-workload-identity", new Gcp.ServiceAccount.IAMMemberArgs
        {
            ServiceAccountId = account.Name,
            Role = sa.WorkloadIdentityRole,
            Member = sa.WorkloadIdentityMember,
        }, child));
        // Grants name the account by its member string (sa.Member), so they wait for it explicitly.
        var afterAccount = new CustomResourceOptions { Parent = this, Provider = provider, DependsOn = { account } };

        if (desired.Secret is { } s)
        {
            var secret = new Gcp.SecretManager.Secret($"{name}-secret", new Gcp.SecretManager.SecretArgs
            {
                SecretId = s.SecretId,
                Project = s.ProjectId,
                Replication = Replication(s.Replication),
            }, child);
            ready.Add(new Gcp.SecretManager.SecretVersion($"{name}-secret-value", new Gcp.SecretManager.SecretVersionArgs
            {
                Secret = secret.Id,
                SecretData = secrets.Json(s.Fields),
            }, child));
        }

        var topics = new Dictionary<string, Gcp.PubSub.Topic>(StringComparer.Ordinal);
        foreach (var topic in desired.Topics)
        {
            topics[topic.Name] = new Gcp.PubSub.Topic(ResourceNames.Topic(name, topic), new Gcp.PubSub.TopicArgs
            {
                Name = topic.Name,
                Project = topic.ProjectId,
                MessageRetentionDuration = Optional.Input(topic.MessageRetentionDuration),
            }, child);
        }

        var subscriptions = new Dictionary<string, Gcp.PubSub.Subscription>(StringComparer.Ordinal);
        foreach (var sub in desired.Subscriptions)
        {
            var subscription = new Gcp.PubSub.Subscription(ResourceNames.Subscription(name, sub), new Gcp.PubSub.SubscriptionArgs
            {
                Name = sub.Name,
                Project = sub.ProjectId,
                Topic = topics[sub.Topic].Id,
                AckDeadlineSeconds = sub.AckDeadlineSeconds,
                DeadLetterPolicy = Optional.Input(sub.DeadLetter is { } dl
                    ? new Gcp.PubSub.Inputs.SubscriptionDeadLetterPolicyArgs
                    {
                        DeadLetterTopic = topics[dl.Topic].Id,
                        MaxDeliveryAttempts = dl.MaxDeliveryAttempts,
                    }
                    : null),
                RetryPolicy = new Gcp.PubSub.Inputs.SubscriptionRetryPolicyArgs
                {
                    MinimumBackoff = sub.MinimumBackoff,
                    MaximumBackoff = sub.MaximumBackoff,
                },
                MessageRetentionDuration = Optional.Input(sub.MessageRetentionDuration),
                // Without it Pub/Sub deletes a subscription idle for 31 days (the DLQ hold one is never pulled); "" = never.
                ExpirationPolicy = new Gcp.PubSub.Inputs.SubscriptionExpirationPolicyArgs { Ttl = sub.ExpirationTtl },
            }, child);
            subscriptions[sub.Name] = subscription;
            ready.Add(subscription);
        }

        foreach (var grant in desired.TopicGrants)
        {
            ready.Add(new Gcp.PubSub.TopicIAMMember(ResourceNames.TopicGrant(name, grant),
                new Gcp.PubSub.TopicIAMMemberArgs
                {
                    Project = grant.ProjectId,
                    Topic = topics[grant.Topic].Name,
                    Role = grant.Role,
                    Member = grant.Member,
                }, afterAccount));
        }
        foreach (var grant in desired.SubscriptionGrants)
        {
            ready.Add(new Gcp.PubSub.SubscriptionIAMMember(ResourceNames.SubscriptionGrant(name, grant),
                new Gcp.PubSub.SubscriptionIAMMemberArgs
                {
                    Project = grant.ProjectId,
                    Subscription = subscriptions[grant.Subscription].Name,
                    Role = grant.Role,
                    Member = grant.Member,
                }, afterAccount));
        }
        foreach (var grant in desired.ProjectGrants)
        {
            ready.Add(new Gcp.Projects.IAMMember(ResourceNames.ProjectGrant(name, grant), new Gcp.Projects.IAMMemberArgs
            {
                Project = grant.ProjectId,
                Role = grant.Role,
                Member = grant.Member,
            }, afterAccount));
        }

        foreach (var grant in desired.BucketGrants)
        {
            ready.Add(new Gcp.Storage.BucketIAMMember(ResourceNames.BucketGrant(name, grant), new Gcp.Storage.BucketIAMMemberArgs
            {
                Bucket = grant.Bucket,
                Role = grant.Role,
                Member = grant.Member,
            }, afterAccount));
        }

        var client = Gcp.Organizations.GetClientConfig.Invoke(new InvokeOptions { Parent = this, Provider = provider });
        RegistryLogin = new RegistryLogin(desired.RegistryHost, "oauth2accesstoken",
            Output.CreateSecret(client.Apply(c => c.AccessToken)));

        ServiceAccountEmail = account.Email;
        ReadyBeforeWriters = ready;
        RegisterOutputs(new Dictionary<string, object?> { ["serviceAccountEmail"] = ServiceAccountEmail });
    }

    /// <summary>The desired replication ("automatic") as Secret Manager's replication block.</summary>
    private static Gcp.SecretManager.Inputs.SecretReplicationArgs Replication(string replication) => replication switch
    {
        "automatic" => new Gcp.SecretManager.Inputs.SecretReplicationArgs { Auto = new Gcp.SecretManager.Inputs.SecretReplicationAutoArgs() },
        _ => throw new InvalidOperationException($"Secret Manager replication '{replication}' has no mapping in the Pulumi host; expected 'automatic'."),
    };
}
