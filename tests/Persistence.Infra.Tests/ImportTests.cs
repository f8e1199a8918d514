using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Persistence.Contracts;
using Persistence.Infra.Config;
using Persistence.Infra.Config.Loading;
using Persistence.Infra.Import;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Tests;

public partial class ImportTests
{
    private static string GuideExample => File.ReadAllText(TestStacks.Fixture("installation-guide-example.json"));

    [Fact]
    public void Guide_example_converts_every_field_to_its_typed_home()
    {
        var result = GuideSpecImporter.Convert(GuideExample);
        Assert.DoesNotContain(result.Problems, p => p.IsError);
        var config = StackConfigReader.Read(result.Values!).Config!;

        Assert.Equal((CloudProvider.Aws, BusBackend.Kafka, SecretClient.Aws), (config.Cloud, config.Bus.Backend, config.Secrets.Client));
        Assert.Equal(("background-persistence", "background-persistence-sa"), (config.Namespace, config.ServiceAccount.Name));
        Assert.Equal("dlq-1", config.Bus.DeadLetterTopic);
        Assert.Equal(["<bootstrap server1>:<port>", "<bootstrap server2>:<port>"], config.Bus.Kafka!.BootstrapServers);
        Assert.Equal(("SASL_SSL", "SCRAM-SHA-512", "<your aws kafka auth secret here>", true),
            (config.Bus.Kafka.SecurityProtocol, config.Bus.Kafka.SaslMechanism, config.Bus.Kafka.SaslSecret, config.Bus.Kafka.UseExistingSaslSecret));
        Assert.Equal(new BusTopics
        {
            ResultBus = "result-bus-1", StreamingInsert = "offline-store-streaming-insert-bus-1", BulkInsert = "offline-store-bulk-insert-bus-1",
            MetricsBus = "metrics-bus-1", OperationBus = "operation-bus-1",
        }, config.Bus.Topics);
        Assert.True(config.Stores.Redis!.Clustered);
        Assert.Equal(("s3://<your data bucket>", "<snowflak integration name>", "GRPC_SERVER", "<your api server here>", OfflineStoreKind.Snowflake),
            (config.Stores.UploadBucket, config.Stores.SnowflakeStorageIntegration, config.Stores.MetadataProvider, config.Stores.ApiServerHost, config.Stores.OfflineStore));

        Assert.Collection(config.Writers,
            w => Assert.Equal(("go-metrics-bus-writer", WriterType.METRICS_BUS_WRITER, "200m", "512Mi", "1", "512Mi", (string?)null, (int?)1),
                (w.Name, w.Type, w.Request.Cpu, w.Request.Memory, w.Limit.Cpu, w.Limit.Memory, w.Version, w.Replicas)),
            w => Assert.Equal(("go-result-bus-metrics-writer", WriterType.METRICS_WRITER, "400m", "1024Mi", "1024Mi"),
                (w.Name, w.Type, w.Request.Cpu, w.Request.Memory, w.Limit.Memory)));
    }

    [Fact]
    public void Guide_example_fails_validation_only_on_its_placeholders()
    {
        var result = GuideSpecImporter.Convert(GuideExample);
        var report = StackValidator.Run(result.Values!);
        Assert.NotEmpty(report.Errors);
        Assert.All(report.Errors, e => Assert.StartsWith("placeholder value: fill in", e.Message));
        Assert.Contains(report.Errors, e => e.Path == "persistence:stores.apiServerHost");
    }

    [Fact]
    public void Guide_example_validates_once_placeholders_are_filled()
    {
        var yaml = StackYamlWriter.Write(GuideSpecImporter.Convert(GuideExample).Values!);
        var filled = Placeholder().Replace(yaml, m => m.Value switch
        {
            _ when m.Value.Contains("OIDC provider ARN") => "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123",
            _ when m.Value.Contains("OIDC issuer") => "oidc.eks.us-east-1.amazonaws.com/id/ABC123",
            _ when m.Value.Contains("KMS") => "alias/persistence",
            "\"<bootstrap server1>:<port>\"" => "b-1.msk.example.com:9096",
            "\"<bootstrap server2>:<port>\"" => "b-2.msk.example.com:9096",
            _ when m.Value.Contains("kafka auth secret") => "AmazonMSK_persistence",
            _ when m.Value.Contains("api server") => "api.example.com:443",
            "\"<redis host>:<port>\"" => "redis.example.com:6379",
            "\"s3://<your data bucket>\"" => "s3://feature-uploads",
            _ when m.Value.Contains("snowflak") => "PERSISTENCE_INTEGRATION",
            _ when m.Value.Contains("registry") => "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            _ => m.Value,
        });

        var file = StackFile.Parse(filled);
        var report = StackValidator.Run(file.Values);

        Assert.False(report.HasErrors, string.Join(Environment.NewLine, report.Errors) + Environment.NewLine + filled);
    }

    [Theory]
    [InlineData("GO_METRICS_BUS_WRITER", WriterType.METRICS_BUS_WRITER)]
    [InlineData("GO_RESULT_BUS_METRICS_WRITER", WriterType.METRICS_WRITER)]
    [InlineData("RUST_RESULT_BUS_ONLINE_WRITER", WriterType.ONLINE_WRITER)]
    [InlineData("PYTHON_RESULT_BUS_OFFLINE_STORE_WRITER", WriterType.OFFLINE_WRITER)]
    [InlineData("PYTHON_OFFLINE_STORE_BULK_INSERT_WRITER", WriterType.OFFLINE_STORE_BULK_INSERT_WRITER)]
    [InlineData("GO_QUERY_MIRROR_CONSUMER", WriterType.QUERY_MIRROR_CONSUMER)]
    [InlineData("ONLINE_VECTOR_STORE_WRITER", WriterType.ONLINE_VECTOR_STORE_WRITER)]
    public void Guide_writer_type_names_map_to_writer_types(string guideName, WriterType expected)
    {
        var result = GuideSpecImporter.Convert(SpecWithWriterType(guideName));
        Assert.Equal(expected.ToString(), result.Values![StackConfigKeys.Writers]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Unknown_writer_type_fails_listing_the_valid_ones()
    {
        var result = GuideSpecImporter.Convert(SpecWithWriterType("GO_BIGTABLE_WRITER"), "spec.json");
        Assert.False(result.Succeeded);
        var problem = Assert.Single(result.Problems, p => p.IsError);
        Assert.Equal("spec.json: writers[0].bus_subscriber_type", problem.Path);
        Assert.Contains("unknown writer type \"GO_BIGTABLE_WRITER\"; valid types: ONLINE_WRITER, OFFLINE_WRITER", problem.Message);
    }

    [Theory]
    [InlineData("\"0\"", false)]
    [InlineData("\"1\"", true)]
    [InlineData("true", true)]
    public void Redis_is_clustered_flag_becomes_a_boolean(string json, bool expected)
    {
        var spec = JsonNode.Parse(GuideExample)!;
        spec["redis_is_clustered"] = JsonNode.Parse(json);
        var values = GuideSpecImporter.Convert(spec.ToJsonString()).Values!;
        Assert.Equal(expected, values[StackConfigKeys.Stores]!["redis"]!["clustered"]!.GetValue<bool>());
    }

    [Fact]
    public void Pubsub_spec_keeps_subscriptions_and_leaves_placeholders_for_what_the_spec_lacks()
    {
        var spec = JsonNode.Parse(GuideExample)!;
        spec["common_persistence_specs"]!["bus_backend"] = "PUBSUB";
        spec["common_persistence_specs"]!["secret_client"] = "GCP";
        spec["common_persistence_specs"]!["result_bus_online_store_subscription_id"] = "result-bus-online-1";

        var config = StackConfigReader.Read(GuideSpecImporter.Convert(spec.ToJsonString()).Values!).Config!;

        Assert.Equal(CloudProvider.Gcp, config.Cloud);
        Assert.Null(config.Bus.Kafka);
        Assert.Equal(("result-bus-online-1", "result-bus-1", "metrics-bus-1"),
            (config.Bus.Subscriptions.ResultBusOnline, config.Bus.Subscriptions.ResultBusMetrics, config.Bus.Subscriptions.MetricsBus));
        Assert.Equal("<result bus topic id>", config.Bus.Topics.ResultBus);
        Assert.Equal("<gcp project number>", config.Bus.PubSub!.ProjectNumber);
    }

    [Fact]
    public void Invalid_json_is_an_error_naming_the_line()
    {
        var result = GuideSpecImporter.Convert("{\n  \"writers\": [\n    ...\n  ]\n}", "spec.json");
        var problem = Assert.Single(result.Problems);
        Assert.Equal("spec.json:3", problem.Path);
        Assert.Contains("not valid JSON", problem.Message);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Written_yaml_reads_back_to_the_same_values(string stack)
    {
        var values = TestStacks.Values(stack);
        var reread = StackFile.Parse(StackYamlWriter.Write(values)).Values;

        Assert.Equal(values.Keys.Order(), reread.Keys.Order());
        foreach (var key in values.Keys)
            Assert.True(JsonNode.DeepEquals(values[key], reread[key]), $"{key}: {values[key]?.ToJsonString()} != {reread[key]?.ToJsonString()}");
    }

    [Fact]
    public void Strings_with_carriage_returns_control_characters_and_yaml_syntax_read_back_unchanged()
    {
        string[] awkward =
        [
            "line one\r\nline two\rthree", "bell\u0007 escape\u001b[0m nul\u0000 del\u007f", "tab\there", "next line\u0085 separator\u2028 paragraph\u2029",
            "\"quoted\" and \\backslash\\", "'single'", "key: value", "# not a comment", "- not a list", "{not: flow}", "[not, flow]", "&anchor", "*alias",
            "!tag", "|literal", ">folded", "%directive", "@at", "`tick`", " leading and trailing ", "true", "False", "null", "~", "", "1.0", "0x1F", "1e5",
            "no", "yes", "on", "emoji \U0001F600 and é", "\uFEFFbom", "trailing colon:", "a #hash",
        ];
        var values = TestStacks.Values("dev").ToDictionary(v => v.Key, v => v.Value?.DeepClone());
        values[StackConfigKeys.KubernetesNamespace] = awkward[0];
        values[StackConfigKeys.Images] = new JsonObject { ["tags"] = new JsonArray(awkward.Select(a => (JsonNode?)a).ToArray()) };
        values[StackConfigKeys.Stores]!["notes"] = new JsonObject(awkward.Select((a, i) => KeyValuePair.Create($"k{i}", (JsonNode?)a)));
        values[StackConfigKeys.Stores]!["awkward keys"] = new JsonObject(awkward.Where(a => a.Length > 0).Distinct().Select(a => KeyValuePair.Create(a, (JsonNode?)1)));

        var yaml = StackYamlWriter.Write(values, ["imported from spec.json\r\nby a test"]);
        var reread = StackFile.Parse(yaml);

        Assert.Empty(reread.Problems);
        Assert.Equal(values.Keys.Order(), reread.Values.Keys.Order());
        foreach (var key in values.Keys)
            Assert.True(JsonNode.DeepEquals(values[key], reread.Values[key]), $"{key}: {values[key]?.ToJsonString()} != {reread.Values[key]?.ToJsonString()}\n{yaml}");
        Assert.StartsWith("# imported from spec.json\n# by a test\nconfig:\n", yaml);
    }

    private static string SpecWithWriterType(string type)
    {
        var spec = JsonNode.Parse(GuideExample)!;
        spec["writers"]![0]!["bus_subscriber_type"] = type;
        return spec.ToJsonString();
    }

    [GeneratedRegex("\"[^\"\\n]*<[^\"\\n]*>[^\"\\n]*\"")]
    private static partial Regex Placeholder();
}
