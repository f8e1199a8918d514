using System.Text.Json;
using System.Text.Json.Nodes;
using Persistence.Contracts;
using Persistence.Infra.Config;
using Persistence.Infra.Desired;
using Persistence.Infra.Desired.Kubernetes;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Tests;

/// <summary>Desired state of the real stack files (optionally edited), built as render and the Pulumi host build it.</summary>
internal static class DesiredStacks
{
    /// <summary>Hashed once per run: other work may edit writers/ while the tests compare renders.</summary>
    private static readonly Lazy<string> Tag = new(() => Desired.Image.ContentHash.Tag(TestStacks.RepoRoot));

    public static DesiredState Of(string stack, Action<Dictionary<string, JsonNode?>>? edit = null)
    {
        var values = TestStacks.Values(stack);
        edit?.Invoke(values);
        var report = StackValidator.Run(values);
        Assert.False(report.HasErrors, string.Join(Environment.NewLine, report.Errors));
        return DesiredStateBuilder.Build(report.Config!, new DesiredContext(stack, TestStacks.RepoRoot, Tag.Value));
    }

    public static StackConfig Config(string stack) => StackConfig.FromValues(TestStacks.Values(stack));
}

public class DesiredStateTests
{
    [Fact]
    public void Dev_is_aws_with_irsa_and_msk_secrets()
    {
        var state = DesiredStacks.Of("dev");

        Assert.Null(state.Gcp);
        var aws = Assert.IsType<Desired.Aws.AwsDesired>(state.Aws);
        Assert.Equal(("123456789012", "us-east-1"), (aws.AccountId, aws.Region));
        Assert.Equal("arn:aws:iam::123456789012:role/dev-background-persistence-writers", aws.Role.Arn);
        Assert.Equal(aws.Role.Arn, state.Kubernetes.ServiceAccount.Metadata.Annotations[ClusterObjects.IrsaAnnotation]);

        var trust = JsonNode.Parse(aws.Role.TrustPolicyJson)!["Statement"]![0]!;
        const string issuer = "oidc.eks.us-east-1.amazonaws.com/id/5C3B1A7E2D9F40A1B6E8C7D2F0A39B41";
        Assert.Equal("sts:AssumeRoleWithWebIdentity", trust["Action"]!.GetValue<string>());
        Assert.Equal($"arn:aws:iam::123456789012:oidc-provider/{issuer}", trust["Principal"]!["Federated"]!.GetValue<string>());
        Assert.Equal("system:serviceaccount:background-persistence:background-persistence-sa",
            trust["Condition"]!["StringEquals"]![$"{issuer}:sub"]!.GetValue<string>());
        Assert.Equal("sts.amazonaws.com", trust["Condition"]!["StringEquals"]![$"{issuer}:aud"]!.GetValue<string>());

        var sasl = aws.Secrets.Single(s => s.Purpose == "kafka-sasl");
        Assert.StartsWith("AmazonMSK_", sasl.Name);
        Assert.Equal(["username", "password"], sasl.Fields.Select(f => f.Field));
        Assert.Equal("arn:aws:kafka:us-east-1:123456789012:cluster/dev-msk/5f2d8c1e-3b7a-4e9f-a1c2-7d6e5f4a3b2c-4", sasl.ScramClusterArn);
        var mskRead = JsonNode.Parse(sasl.ResourcePolicyJson!)!["Statement"]![0]!;
        Assert.Equal("kafka.amazonaws.com", mskRead["Principal"]!["Service"]!.GetValue<string>());
        Assert.True(aws.KmsKey.Create);
        Assert.Equal("alias/dev-background-persistence", aws.KmsKey.Alias);

        var store = aws.Secrets.Single(s => s.Purpose == "store-credentials");
        Assert.Equal("dev/background-persistence/credentials", store.Name);
        Assert.Null(store.ScramClusterArn);
        Assert.Equal([StackConfigKeys.PostgresPassword], store.Fields.Select(f => f.ConfigKey));
        Assert.Equal("persistence-writer", aws.Repository!.Name);
    }

    [Fact]
    public void Dev_kafka_topics_and_dlq_are_ensured_by_an_in_cluster_job()
    {
        var state = DesiredStacks.Of("dev");
        var topics = state.Aws!.KafkaTopics;

        Assert.Equal(7, topics.Count);
        Assert.All(topics.Where(t => !t.IsDeadLetter), t => Assert.Equal((6, 3, 168), (t.Partitions, t.ReplicationFactor, t.RetentionHours)));
        Assert.Equal("dlq-1", topics.Single(t => t.IsDeadLetter).Name);

        var job = state.Kubernetes.TopicsJob!;
        var args = job.Spec.Template.Spec.Containers[0].Args;
        Assert.Equal(["topics", "ensure"], args.Take(2));
        Assert.Equal(string.Join(',', topics.Where(t => !t.IsDeadLetter).Select(t => t.Name)), args[args.IndexOf("--topics") + 1]);
        Assert.Equal("dlq-1", args[args.IndexOf("--dlq") + 1]);
        Assert.Equal(state.Image.Reference, job.Spec.Template.Spec.Containers[0].Image);

        // A different topic list is a different (immutable) Job.
        var renamed = DesiredStacks.Of("dev", v => v.Set("bus.topics.operationBus", "operation-bus-2")).Kubernetes.TopicsJob!;
        Assert.NotEqual(job.Metadata.Name, renamed.Metadata.Name);
    }

    [Fact]
    public void Prod_is_gcp_with_workload_identity_and_dead_letter_wiring()
    {
        var state = DesiredStacks.Of("prod");

        Assert.Null(state.Aws);
        Assert.Null(state.Kubernetes.TopicsJob);
        var gcp = Assert.IsType<Desired.Gcp.GcpDesired>(state.Gcp);
        var gsa = gcp.ServiceAccount;
        Assert.Equal("bg-persistence-writers@acme-features-prod.iam.gserviceaccount.com", gsa.Email);
        Assert.Equal("roles/iam.workloadIdentityUser", gsa.WorkloadIdentityRole);
        Assert.Equal("serviceAccount:acme-features-prod.svc.id.goog[background-persistence/background-persistence-sa]", gsa.WorkloadIdentityMember);
        Assert.Equal(gsa.Email, state.Kubernetes.ServiceAccount.Metadata.Annotations[ClusterObjects.WorkloadIdentityAnnotation]);

        const string agent = "serviceAccount:service-482910375516@gcp-sa-pubsub.iam.gserviceaccount.com";
        const string dlq = "persistence-dlq-1";
        Assert.Contains(gcp.Topics, t => t.Name == dlq && t.IsDeadLetter);
        Assert.Contains(gcp.TopicGrants, g => g.Topic == dlq && g.Role == "roles/pubsub.publisher" && g.Member == agent);
        Assert.Contains(gcp.TopicGrants, g => g.Topic == dlq && g.Role == "roles/pubsub.publisher" && g.Member == gsa.Member);

        var sources = gcp.Subscriptions.Where(s => s.Writer is not null).ToList();
        Assert.Equal(8, sources.Count);
        foreach (var sub in sources)
        {
            Assert.Equal(new Desired.Gcp.DeadLetterPolicy(dlq, 10), sub.DeadLetter);
            Assert.Equal(120, sub.AckDeadlineSeconds);
            Assert.Contains(gcp.SubscriptionGrants, g => g.Subscription == sub.Name && g.Role == "roles/pubsub.subscriber" && g.Member == agent);
            Assert.Contains(gcp.SubscriptionGrants, g => g.Subscription == sub.Name && g.Role == "roles/pubsub.subscriber" && g.Member == gsa.Member);
            Assert.Contains(gcp.Topics, t => t.Name == sub.Topic);
        }
        // A dead-letter topic without a subscription drops what it receives.
        var hold = Assert.Single(gcp.Subscriptions, s => s.Topic == dlq);
        Assert.Null(hold.DeadLetter);

        // Publishers: OFFLINE_WRITER to the streaming-insert topic, METRICS_WRITER to the metrics bus; nobody else.
        Assert.Equal(["metrics-bus-1", "offline-store-streaming-insert-bus-1", dlq],
            gcp.TopicGrants.Where(g => g.Member == gsa.Member).Select(g => g.Topic).Order(StringComparer.Ordinal));
        Assert.Contains(gcp.ProjectGrants, g => g.Role == "roles/monitoring.viewer" && g.Member.EndsWith("/subject/ns/keda/sa/keda-operator", StringComparison.Ordinal));

        Assert.Equal("background-persistence-credentials", gcp.Secret!.SecretId);
    }

    [Fact]
    public void Outputs_name_what_operators_look_for()
    {
        var dev = DesiredStacks.Of("dev").Outputs;
        var prod = DesiredStacks.Of("prod").Outputs;

        Assert.Equal("background-persistence", dev.Namespace);
        Assert.Equal(8, dev.DeploymentNames.Count);
        Assert.Contains("dlq-1", dev.TopicNames);
        Assert.Empty(dev.SubscriptionNames);
        Assert.Contains("result-bus-online-store-1", prod.SubscriptionNames);
        Assert.StartsWith("europe-west4-docker.pkg.dev/acme-features-prod/persistence/persistence-writer:sha-", prod.ImageReference);
    }

    [Fact]
    public void Credentials_secret_is_a_shape_with_config_keys_only()
    {
        var dev = DesiredStacks.Of("dev").Kubernetes.Secret!;
        Assert.Null(dev.Shape.Data);
        Assert.Null(dev.Shape.StringData);
        Assert.Equal(["username", "password", "postgres-password", "sasl.json"], dev.Keys);
        Assert.Equal([StackConfigKeys.KafkaSaslUsername, StackConfigKeys.KafkaSaslPassword], dev.JsonFiles.Single().Fields.Select(f => f.ConfigKey));

        // Redis AUTH joins only once its secret is set (ElastiCache may run without AUTH).
        var prod = DesiredStacks.Of("prod").Kubernetes.Secret!;
        Assert.Equal(["postgres-password"], prod.Keys);
        var withRedis = DesiredStacks.Of("prod", v => v[StackConfigKeys.RedisPassword] = new JsonObject { ["secure"] = "v1:x" }).Kubernetes.Secret!;
        Assert.Equal(["postgres-password", "redis-password"], withRedis.Keys);
    }

    [Fact]
    public void Same_config_gives_the_same_state()
    {
        var options = new JsonSerializerOptions { WriteIndented = false };
        string Snapshot(DesiredState s) => string.Join("\n", s.Kubernetes.Objects.Select(o => o.Yaml)) + JsonSerializer.Serialize(s.Aws, options) + JsonSerializer.Serialize(s.Gcp, options);

        Assert.Equal(Snapshot(DesiredStacks.Of("dev")), Snapshot(DesiredStacks.Of("dev")));
        Assert.Equal(Snapshot(DesiredStacks.Of("prod")), Snapshot(DesiredStacks.Of("prod")));
    }

    [Fact]
    public void Every_writer_type_reads_what_the_catalog_says()
    {
        var config = DesiredStacks.Config("prod");
        foreach (var writer in config.Writers)
        {
            var info = WriterCatalog.Get(writer.Type);
            var sub = DesiredStacks.Of("prod").Gcp!.Subscriptions.Single(s => s.Writer == writer.Name);
            Assert.Equal(config.Bus.Topics.Topic(info.Reads), sub.Topic);
        }
    }
}
