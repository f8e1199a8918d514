using System.Text.Json.Nodes;
using Persistence.Infra.Config;
using Persistence.Infra.Validation;
using static Persistence.Infra.Tests.TestStacks;

namespace Persistence.Infra.Tests;

public class ValidationTests
{
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void The_repository_stacks_have_no_errors(string stack)
    {
        var report = Validate(stack, _ => { });
        Assert.False(report.HasErrors, string.Join(Environment.NewLine, report.Errors));
        Assert.All(report.Warnings, w => Assert.Contains("secret not set", w.Message));
    }

    [Fact]
    public void Offline_writer_without_streaming_insert_writer()
    {
        var report = Validate("dev", v => v["writers"]!.AsArray().RemoveAt(2));
        Assert.Contains("without an OFFLINE_STORE_STREAMING_INSERT_WRITER", report.Single(Severity.Error, "persistence:writers[1].type").Message);
    }

    [Fact]
    public void Streaming_insert_writer_without_offline_writer()
    {
        var report = Validate("prod", v => v["writers"]!.AsArray().RemoveAt(1));
        Assert.Contains("without an OFFLINE_WRITER", report.Single(Severity.Error, "persistence:writers[1].type").Message);
    }

    [Fact]
    public void Non_bigquery_offline_store_without_bulk_insert_writer()
    {
        var report = Validate("dev", v => v["writers"]!.AsArray().RemoveAt(3));
        Assert.Contains("needs OFFLINE_STORE_BULK_INSERT_WRITER", report.Single(Severity.Error, "persistence:writers").Message);
    }

    [Fact]
    public void Bigquery_offline_store_does_without_bulk_insert_writer()
    {
        var report = Validate("prod", v =>
        {
            v["writers"]!.AsArray().RemoveAt(3);
            v.Set("stores.offlineStore", "bigquery");
        });
        Assert.DoesNotContain(report.Errors, p => p.Path == "persistence:writers");
    }

    [Theory]
    [InlineData("dev", "gs://dev-bucket", "s3://")]
    [InlineData("prod", "s3://prod-bucket", "gs://")]
    public void Upload_bucket_prefix_must_match_the_cloud(string stack, string bucket, string expectedPrefix)
    {
        var report = Validate(stack, v => v.Set("stores.uploadBucket", bucket));
        var problem = report.Single(Severity.Error, "persistence:stores.uploadBucket");
        Assert.Contains($"does not start with {expectedPrefix}", problem.Message);
        Assert.Contains(expectedPrefix, problem.Fix);
    }

    [Fact]
    public void Pubsub_writer_missing_its_subscription()
    {
        var report = Validate("prod", v => v.RemovePath("bus.subscriptions.resultBusOnline"));
        var problem = report.Single(Severity.Error, "persistence:bus.subscriptions.resultBusOnline");
        Assert.Contains("\"result-bus-online-writer\" (ONLINE_WRITER) consumes this subscription", problem.Message);
    }

    [Fact]
    public void Writer_missing_the_topic_it_reads_or_publishes()
    {
        var report = Validate("dev", v =>
        {
            v.RemovePath("bus.topics.metricsBus");
            v.RemovePath("bus.topics.operationBus");
        });
        Assert.Contains("METRICS_WRITER) publishes to the MetricsBus topic", report.Single(Severity.Error, "persistence:bus.topics.metricsBus").Message);
        Assert.Contains("QUERY_MIRROR_CONSUMER) reads the OperationBus topic", report.Single(Severity.Error, "persistence:bus.topics.operationBus").Message);
    }

    [Fact]
    public void Kafka_subscription_must_name_the_topic_itself()
    {
        var report = Validate("dev", v => v.Set("bus.subscriptions", new JsonObject { ["resultBusOnline"] = "result-bus-online-1" }));
        Assert.Contains("on Kafka a writer consumes the topic itself", report.Single(Severity.Error, "persistence:bus.subscriptions.resultBusOnline").Message);
    }

    [Fact]
    public void Kafka_without_a_dead_letter_topic()
    {
        var report = Validate("dev", v => v.RemovePath("bus.deadLetterTopic"));
        var problem = report.Single(Severity.Error, "persistence:bus.deadLetterTopic");
        Assert.Contains("Kafka needs a dead-letter topic", problem.Message);
        Assert.Contains("pulumi config set --path 'persistence:bus.deadLetterTopic'", problem.Fix);
    }

    [Fact]
    public void Dead_letter_topic_equal_to_a_bus_topic()
    {
        var report = Validate("prod", v => v.Set("bus.deadLetterTopic", "metrics-bus-1"));
        Assert.Contains("is also persistence:bus.topics.metricsBus", report.Single(Severity.Error, "persistence:bus.deadLetterTopic").Message);
    }

    [Fact]
    public void Bus_backend_and_secret_client_from_different_clouds()
    {
        var report = Validate("dev", v => v.Set("secrets.client", "GCP"));
        var problem = report.Single(Severity.Error, "persistence:secrets.client");
        Assert.Contains("secret client GCP is GCP Secret Manager, but cloud is aws (bus backend KAFKA)", problem.Message);
        Assert.Equal("set persistence:secrets.client to AWS", problem.Fix);
    }

    [Fact]
    public void Bus_backend_from_another_cloud()
    {
        var report = Validate("prod", v =>
        {
            v.Set("bus.backend", "KAFKA");
            v.Set("bus.kafka", new JsonObject { ["bootstrapServers"] = new JsonArray("b-1.example:9096"), ["saslSecret"] = "AmazonMSK_x" });
        });
        Assert.Contains("bus backend KAFKA runs on aws, but cloud is gcp", report.Single(Severity.Error, "persistence:bus.backend").Message);
    }

    [Fact]
    public void Duplicate_writer_names()
    {
        var report = Validate("dev", v => v.Set("writers[4].name", "result-bus-online-writer"));
        Assert.Contains("duplicate writer name \"result-bus-online-writer\" (also persistence:writers[0])", report.Single(Severity.Error, "persistence:writers[4].name").Message);
    }

    [Theory]
    [InlineData("Result_Bus_Writer")]
    [InlineData("writer-")]
    [InlineData("a-very-long-writer-name-that-goes-well-beyond-the-sixty-three-chars")]
    public void Writer_names_are_dns_labels(string name)
    {
        var report = Validate("dev", v => v.Set("writers[0].name", name));
        Assert.Contains("is not a valid Deployment name", report.Single(Severity.Error, "persistence:writers[0].name").Message);
    }

    [Theory]
    [InlineData("request.cpu", "one", "cpu quantity")]
    [InlineData("limit.cpu", "-1", "cpu must be above zero")]
    [InlineData("request.memory", "2GB", "memory quantity")]
    [InlineData("limit.memory", "2 Gi", "memory quantity")]
    public void Unparseable_quantities(string field, string value, string expected)
    {
        var report = Validate("dev", v => v.Set($"writers[1].{field}", value));
        Assert.Contains(expected, report.Single(Severity.Error, $"persistence:writers[1].{field}").Message);
    }

    [Fact]
    public void Request_above_limit_is_an_error()
    {
        var report = Validate("dev", v =>
        {
            v.Set("writers[0].request.cpu", "1500m");
            v.Set("writers[0].request.memory", "2Gi");
        });
        Assert.Contains("above the limit 1", report.Single(Severity.Error, "persistence:writers[0].request.cpu").Message);
        Assert.Contains("above the limit 1Gi", report.Single(Severity.Error, "persistence:writers[0].request.memory").Message);
    }

    [Fact]
    public void Memory_request_below_limit_is_a_warning_about_oomkills()
    {
        var report = Validate("prod", v => v.Set("writers[2].request.memory", "1Gi"));
        var problem = report.Single(Severity.Warning, "persistence:writers[2].request.memory");
        Assert.Contains("OOMKills", problem.Message);
        Assert.Equal("set request = limit: pulumi config set --path 'persistence:writers[2].request.memory' 3Gi", problem.Fix);
        Assert.False(report.HasErrors);
    }

    [Fact]
    public void Memory_limit_below_256Mi_is_a_warning()
    {
        var report = Validate("dev", v =>
        {
            v.Set("writers[5].limit.memory", "128Mi");
            v.Set("writers[5].request.memory", "128Mi");
        });
        Assert.Contains("below 256Mi", report.Single(Severity.Warning, "persistence:writers[5].limit.memory").Message);
    }

    [Theory]
    [InlineData("bus.topics.resultBus", "rb")]
    [InlineData("bus.subscriptions.operation", "9-operation")]
    [InlineData("bus.deadLetterTopic", "goog-dlq")]
    public void Pubsub_names_are_valid(string path, string name)
    {
        var report = Validate("prod", v => v.Set(path, name));
        Assert.Contains("is not a valid Pub/Sub id", report.Single(Severity.Error, $"persistence:{path}").Message);
    }

    [Fact]
    public void Scram_secret_name_must_start_with_AmazonMSK()
    {
        var report = Validate("dev", v => v.Set("bus.kafka.saslSecret", "dev/kafka-credentials"));
        var problem = report.Single(Severity.Error, "persistence:bus.kafka.saslSecret");
        Assert.Contains("starts with AmazonMSK_", problem.Message);
        Assert.Equal("rename it to AmazonMSK_dev/kafka-credentials", problem.Fix);
    }

    [Fact]
    public void Msk_scram_needs_sasl_ssl()
    {
        var report = Validate("dev", v => v.Set("bus.kafka.securityProtocol", "SASL_PLAINTEXT"));
        Assert.Contains("SASL/SCRAM only over TLS", report.Single(Severity.Error, "persistence:bus.kafka.securityProtocol").Message);
    }

    [Fact]
    public void Msk_scram_needs_a_customer_managed_kms_key()
    {
        var report = Validate("dev", v => v.RemovePath("secrets.kmsKeyId"));
        Assert.Contains("customer-managed KMS key", report.Single(Severity.Error, "persistence:secrets.kmsKeyId").Message);
    }

    [Fact]
    public void Max_replicas_below_min_replicas()
    {
        var report = Validate("prod", v => v.Set("writers[0].scaling.maxReplicas", 2));
        Assert.Contains("below minReplicas 3", report.Single(Severity.Error, "persistence:writers[0].scaling.maxReplicas").Message);
    }

    [Fact]
    public void Kafka_max_replicas_above_partitions_is_a_warning()
    {
        var report = Validate("dev", v => v.Set("writers[0].scaling.maxReplicas", 12));
        Assert.Contains("above the 6 partitions", report.Single(Severity.Warning, "persistence:writers[0].scaling.maxReplicas").Message);
    }

    [Theory]
    [InlineData("maxDeliveryAttempts", 4)]
    [InlineData("maxDeliveryAttempts", 101)]
    [InlineData("ackDeadlineSeconds", 9)]
    [InlineData("ackDeadlineSeconds", 601)]
    public void Pubsub_limits(string field, int value)
    {
        var report = Validate("prod", v => v.Set($"bus.pubsub.{field}", value));
        Assert.Contains("Pub/Sub accepts", report.Single(Severity.Error, $"persistence:bus.pubsub.{field}").Message);
    }

    [Fact]
    public void Two_roles_on_one_pubsub_subscription()
    {
        var report = Validate("prod", v => v.Set("bus.subscriptions.resultBusOffline", "result-bus-online-store-1"));
        Assert.Contains("Pub/Sub would split the messages", report.Single(Severity.Error, "persistence:bus.subscriptions.resultBusOffline").Message);
    }

    [Fact]
    public void Writers_need_their_stores()
    {
        var report = Validate("dev", v =>
        {
            v.RemovePath("stores.redis");
            v.RemovePath("stores.postgres");
            v.RemovePath("stores.apiServerHost");
        });
        report.Single(Severity.Error, "persistence:stores.redis");
        report.Single(Severity.Error, "persistence:stores.postgres");
        report.Single(Severity.Error, "persistence:stores.apiServerHost");
    }

    [Fact]
    public void Identity_of_the_cloud_is_required()
    {
        var report = Validate("prod", v => v.RemovePath("serviceAccount.gcp"));
        Assert.Contains("Workload Identity", report.Single(Severity.Error, "persistence:serviceAccount.gcp").Message);
    }

    [Fact]
    public void Oidc_issuer_must_match_the_provider_arn()
    {
        var report = Validate("dev", v => v.Set("serviceAccount.aws.eksOidcIssuer", "oidc.eks.us-west-2.amazonaws.com/id/OTHER"));
        Assert.Contains("the role's trust would never match", report.Single(Severity.Error, "persistence:serviceAccount.aws.eksOidcIssuer").Message);
    }

    [Fact]
    public void Placeholders_are_reported_once_as_fill_in()
    {
        var report = Validate("dev", v => v.Set("bus.kafka.bootstrapServers[1]", "<bootstrap server2>:<port>"));
        var problem = report.Single(Severity.Error, "persistence:bus.kafka.bootstrapServers[1]");
        Assert.Equal("placeholder value: fill in \"<bootstrap server2>:<port>\"", problem.Message);
    }

    [Fact]
    public void Secret_warnings_name_the_key_up_needs_until_it_is_set()
    {
        var unset = Validate("dev", _ => { });
        Assert.Contains("pulumi config set --secret persistence:kafkaSaslPassword", unset.Single(Severity.Warning, "persistence:kafkaSaslPassword").Fix);

        var set = Validate("dev", v => v[StackConfigKeys.KafkaSaslPassword] = new JsonObject { ["secure"] = "v1:abc" });
        Assert.DoesNotContain(set.Problems, p => p.Path == "persistence:kafkaSaslPassword");
    }

    [Fact]
    public void All_problems_are_returned_together()
    {
        var report = Validate("dev", v =>
        {
            v.RemovePath("bus.deadLetterTopic");
            v.Set("stores.uploadBucket", "gs://wrong");
            v.Set("writers[4].name", "result-bus-online-writer");
            v.Set("writers[1].request.memory", "512Mi");
        });
        Assert.Equal(3, report.Errors.Count());
        report.Single(Severity.Warning, "persistence:writers[1].request.memory");
    }

    [Fact]
    public void A_spool_size_must_be_a_quantity_and_only_the_bulk_insert_writer_has_one()
    {
        var report = Validate("dev", v =>
        {
            v.Set("writers[3].spoolSize", "20GB");
            v.Set("writers[0].spoolSize", "5Gi");
        });
        Assert.Contains("is not a Kubernetes disk quantity", report.Single(Severity.Error, "persistence:writers[3].spoolSize").Message);
        Assert.Contains("ONLINE_WRITER ignores it", report.Single(Severity.Warning, "persistence:writers[0].spoolSize").Message);
    }
}
