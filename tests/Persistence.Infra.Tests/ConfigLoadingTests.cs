using System.Text.Json.Nodes;
using Persistence.Contracts;
using Persistence.Infra.Config;
using Persistence.Infra.Config.Loading;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Tests;

public class ConfigLoadingTests
{
    [Fact]
    public void Dev_stack_file_reads_into_typed_config()
    {
        var config = StackConfig.FromValues(TestStacks.Values("dev"));

        Assert.Equal(CloudProvider.Aws, config.Cloud);
        Assert.Equal(BusBackend.Kafka, config.Bus.Backend);
        Assert.Equal(3, config.Bus.Kafka!.BootstrapServers.Count);
        Assert.Equal("SCRAM-SHA-512", config.Bus.Kafka.SaslMechanism);
        Assert.StartsWith("AmazonMSK_", config.Bus.Kafka.SaslSecret);
        Assert.Equal(SecretClient.Aws, config.Secrets.Client);
        Assert.NotNull(config.ServiceAccount.Aws);
        Assert.Equal("dlq-1", config.Bus.DeadLetterTopic);
        var online = config.Writers.Single(w => w.Type == WriterType.ONLINE_WRITER);
        Assert.Equal(("500m", "1Gi", "1", "1Gi"), (online.Request.Cpu, online.Request.Memory, online.Limit.Cpu, online.Limit.Memory));
        Assert.Equal(2000, online.Scaling!.Threshold(BusBackend.Kafka));
        Assert.True(config.Stores.Redis!.Clustered);
        Assert.Equal("result-bus-1", config.Bus.ConsumedId(WriterType.ONLINE_WRITER));
        Assert.Equal("metrics-bus-1", config.Bus.PublishedTopic(WriterType.METRICS_WRITER));
    }

    [Fact]
    public void Prod_stack_file_reads_into_typed_config()
    {
        var config = StackConfig.FromValues(TestStacks.Values("prod"));

        Assert.Equal(CloudProvider.Gcp, config.Cloud);
        Assert.Equal(BusBackend.PubSub, config.Bus.Backend);
        Assert.Null(config.Bus.Kafka);
        Assert.Equal("482910375516", config.Bus.PubSub!.ProjectNumber);
        Assert.Equal(10, config.Bus.PubSub.MaxDeliveryAttempts);
        Assert.Equal("bg-persistence-writers", config.ServiceAccount.Gcp!.ServiceAccountId);
        Assert.Equal("result-bus-online-store-1", config.Bus.ConsumedId(WriterType.ONLINE_WRITER));
        Assert.Equal(0, config.Writers.Single(w => w.Type == WriterType.QUERY_MIRROR_CONSUMER).Scaling!.MinReplicas);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Both_stacks_run_all_eight_writer_types(string stack)
    {
        var config = StackConfig.FromValues(TestStacks.Values(stack));
        Assert.Equal(Enum.GetValues<WriterType>().Order(), config.Writers.Select(w => w.Type).Order());
    }

    [Fact]
    public void Other_namespaces_are_kept_apart_from_persistence_values()
    {
        var file = StackFile.Load(TestStacks.StackPath("dev"));
        Assert.Equal("us-east-1", file.OtherNamespaces["region"]!.GetValue<string>());
        Assert.DoesNotContain("region", file.Values.Keys);
    }

    [Fact]
    public void Unknown_top_level_key_is_an_error_suggesting_the_known_one()
    {
        var values = TestStacks.Values("dev");
        values["writer"] = values["writers"]!.DeepClone();

        var problem = Assert.Single(StackConfigReader.Read(values).Problems, p => p.Path == "persistence:writer");
        Assert.Contains("did you mean 'writers'?", problem.Message);
    }

    [Fact]
    public void Unknown_nested_key_is_an_error_naming_its_path_and_suggestion()
    {
        var values = TestStacks.Values("dev");
        var writer = values["writers"]![1]!.AsObject();
        writer["limits"] = writer["limit"]!.DeepClone();

        var problem = Assert.Single(StackConfigReader.Read(values).Problems);
        Assert.Equal("persistence:writers[1].limits", problem.Path);
        Assert.Contains("did you mean 'limit'?", problem.Message);
    }

    [Fact]
    public void Wrong_type_names_the_path_and_the_value()
    {
        var values = TestStacks.Values("dev");
        values.Set("writers[2].replicas", "two");

        var problem = Assert.Single(StackConfigReader.Read(values).Problems);
        Assert.Equal("persistence:writers[2].replicas: expected an integer, got \"two\"", $"{problem.Path}: {problem.Message}");
    }

    [Fact]
    public void Every_shape_problem_is_reported_at_once()
    {
        var values = TestStacks.Values("prod");
        values.Set("cloud", "azure");
        values.Set("bus.pubsub.ackDeadlineSeconds", "soon");
        values.RemovePath("stores.offlineStore");
        values.Set("writers[0].limit", "2Gi");

        var result = StackConfigReader.Read(values);

        Assert.Null(result.Config);
        Assert.Equal(
            ["persistence:bus.pubsub.ackDeadlineSeconds", "persistence:cloud", "persistence:stores.offlineStore", "persistence:writers[0].limit"],
            result.Problems.Select(p => p.Path).Order());
        Assert.Contains("expected one of aws, gcp, got \"azure\"", result.Problems.Single(p => p.Path == "persistence:cloud").Message);
        Assert.Contains("required key is missing", result.Problems.Single(p => p.Path == "persistence:stores.offlineStore").Message);
    }

    [Fact]
    public void Unknown_writer_type_lists_the_valid_ones_and_names_the_guide_alias()
    {
        var values = TestStacks.Values("dev");
        values.Set("writers[5].type", "GO_METRICS_BUS_WRITER");

        var problem = Assert.Single(StackConfigReader.Read(values).Problems);
        Assert.Equal("persistence:writers[5].type", problem.Path);
        foreach (var name in Enum.GetNames<WriterType>()) Assert.Contains(name, problem.Message);
        Assert.Contains("write METRICS_BUS_WRITER", problem.Fix);
    }

    [Fact]
    public void Unquoted_yaml_numbers_keep_their_text_in_string_fields_and_enums_ignore_case()
    {
        var file = StackFile.Parse("""
            config:
              persistence:cloud: AWS
              persistence:writers:
                - name: w
                  type: online_writer
                  request: { cpu: 1, memory: 1Gi }
                  limit: { cpu: 1.50, memory: 1Gi }
                  version: 1.0
                  replicas: "3"
            """);

        var writers = new ShapeCheckHarness(file.Values).Writers();
        Assert.Equal(("1", "1.50", "1.0", 3, WriterType.ONLINE_WRITER),
            (writers[0].Request.Cpu, writers[0].Limit.Cpu, writers[0].Version, writers[0].Replicas, writers[0].Type));
    }

    [Fact]
    public void Secret_leaves_are_opaque_and_their_ciphertext_never_appears()
    {
        const string cipher = "v1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=";
        var values = TestStacks.Values("dev");
        values[StackConfigKeys.KafkaSaslPassword] = new JsonObject { ["secure"] = cipher };
        values.Set("stores.postgres.host", new JsonObject { ["secure"] = cipher });

        var report = StackValidator.Run(values);

        var config = Assert.IsType<StackConfig>(report.Config);
        Assert.Contains(StackConfigKeys.KafkaSaslPassword, config.SecretKeysSet);
        Assert.Equal(SecretLeaf.Redacted, config.Stores.Postgres!.Host);
        Assert.Equal(["persistence:stores.postgres.host"], config.SecretPaths);
        Assert.DoesNotContain(report.Problems, p => p.Path == "persistence:kafkaSaslPassword");
        Assert.DoesNotContain(cipher, config.ToString());
        Assert.DoesNotContain(report.Problems, p => p.ToString().Contains(cipher, StringComparison.Ordinal));
    }

    [Fact]
    public void A_secret_where_a_number_belongs_or_a_plain_text_secret_is_an_error_without_the_value()
    {
        var values = TestStacks.Values("dev");
        values.Set("bus.kafka.partitions", new JsonObject { ["secure"] = "v1:c2VjcmV0Y2lwaGVy" });
        values[StackConfigKeys.PostgresPassword] = "hunter2-plain";

        var problems = StackConfigReader.Read(values).Problems;

        Assert.Contains("a secret value cannot be used where an integer is expected", problems.Single(p => p.Path == "persistence:bus.kafka.partitions").Message);
        Assert.Contains("pulumi config set --secret persistence:postgresPassword", problems.Single(p => p.Path == "persistence:postgresPassword").Fix);
        Assert.DoesNotContain(problems, p => p.ToString().Contains("hunter2", StringComparison.Ordinal) || p.ToString().Contains("c2VjcmV0", StringComparison.Ordinal));
    }

    [Fact]
    public void FromValues_throws_with_every_problem_listed()
    {
        var values = TestStacks.Values("dev");
        values.RemovePath("images");
        values.Set("namespace", new JsonArray("a", "b"));

        var e = Assert.Throws<StackConfigException>(() => StackConfig.FromValues(values));
        Assert.Contains(e.Problems, p => p.Path == "persistence:images");
        Assert.Contains(e.Problems, p => p.Path == "persistence:namespace");
        Assert.Contains("persistence:images", e.Message);
    }

    [Fact]
    public void Invalid_yaml_is_reported_with_its_line()
    {
        var file = StackFile.Parse("config:\n  persistence:cloud: aws\n  persistence:bus: [unclosed\n", "Pulumi.bad.yaml");
        var problem = Assert.Single(file.Problems);
        Assert.StartsWith("Pulumi.bad.yaml:", problem.Path);
        Assert.Contains("not valid YAML", problem.Message);
    }

    [Fact]
    public void Known_keys_are_the_typed_ones_and_the_secret_ones()
    {
        Assert.Equal(StackConfigKeys.Typed.Count + StackConfigKeys.Secrets.Count, StackConfigKeys.All.Distinct().Count());
        // keda is optional (its defaults are the KEDA Helm chart's); every other typed key is in the dev stack.
        Assert.All(StackConfigKeys.Typed.Except([StackConfigKeys.Keda]), key => Assert.Contains(key, TestStacks.Values("dev").Keys));
    }

    [Fact]
    public void A_memory_edit_by_path_changes_exactly_that_writer()
    {
        var before = StackConfig.FromValues(TestStacks.Values("prod"));
        var values = TestStacks.Values("prod");
        values.Set("writers[3].limit.memory", "6Gi");
        values.Set("writers[3].request.memory", "6Gi");
        var after = StackConfig.FromValues(values);

        var changed = before.Writers.Zip(after.Writers).Where(p => p.First != p.Second).ToList();
        var (old, updated) = Assert.Single(changed);
        Assert.Equal("offline-store-bulk-insert-writer", updated.Name);
        Assert.Equal(("4Gi", "6Gi"), (old.Limit.Memory, updated.Limit.Memory));
        Assert.Equal(before with { Writers = [], SecretKeysSet = after.SecretKeysSet, SecretPaths = after.SecretPaths }, after with { Writers = [] });
    }

    /// <summary>Reads only writers (plus the required keys' stand-ins) to test scalar coercion in isolation.</summary>
    private sealed class ShapeCheckHarness(IReadOnlyDictionary<string, JsonNode?> values)
    {
        public IReadOnlyList<WriterConfig> Writers()
        {
            var full = TestStacks.Values("dev");
            full["cloud"] = values["cloud"]!.DeepClone();
            full["writers"] = values["writers"]!.DeepClone();
            var result = StackConfigReader.Read(full);
            Assert.DoesNotContain(result.Problems, p => p.IsError);
            return result.Config!.Writers;
        }
    }
}
