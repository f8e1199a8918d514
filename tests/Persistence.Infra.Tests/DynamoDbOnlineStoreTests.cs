using System.Text.Json.Nodes;
using Persistence.Contracts;
using Persistence.Infra.Desired;
using Persistence.Infra.Rendering;
using Persistence.Infra.Validation;
using static Persistence.Infra.Tests.TestStacks;

namespace Persistence.Infra.Tests;

/// <summary>stores.online.kind dynamodb: validated (AWS only, one table source), the table created or referenced, the IRSA policy's one action, the online writer's environment, and render.</summary>
public sealed class DynamoDbOnlineStoreTests : IDisposable
{
    private const string Kind = "persistence:stores.online.kind";
    private readonly string _temp = Directory.CreateTempSubdirectory("dynamodb-render-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static void UseDynamoDb(Dictionary<string, JsonNode?> v, JsonObject? table = null) =>
        v.Set("stores.online", new JsonObject { ["kind"] = "dynamodb", ["dynamodb"] = table });

    private static Dictionary<string, string> Env(DesiredState state, WriterType type) =>
        state.Kubernetes.Deployments.Select(d => d.Spec.Template.Spec.Containers[0]).Single(c => c.Args[2] == type.ToString())
            .Env.Where(e => e.Value is not null).ToDictionary(e => e.Name, e => e.Value);

    [Fact]
    public void On_aws_the_stack_creates_an_on_demand_table_with_hash_key_and_ttl_and_the_online_writer_gets_it()
    {
        var state = DesiredStacks.Of("dev", v => UseDynamoDb(v));

        var table = state.Aws!.OnlineTable!;
        Assert.True(table.Create);
        Assert.Equal(("background-persistence-online-features", "PAY_PER_REQUEST"), (table.Name, table.BillingMode));
        Assert.Equal((OnlineTableLayout.Key, "S", OnlineTableLayout.ExpiresAt, true), (table.HashKey, table.HashKeyType, table.TtlAttribute, table.TtlEnabled));
        Assert.Equal("arn:aws:dynamodb:us-east-1:123456789012:table/background-persistence-online-features", table.Arn);

        var online = Env(state, WriterType.ONLINE_WRITER);
        Assert.Equal(table.Name, online["Stores__DynamoDb__Table"]);
        Assert.Equal("us-east-1", online["Stores__DynamoDb__Region"]);
        Assert.DoesNotContain("Stores__Redis__Connection", online.Keys);
        // Vectors stay in Redis: the vector writer is unchanged.
        var vectors = Env(state, WriterType.ONLINE_VECTOR_STORE_WRITER);
        Assert.Contains("Stores__Redis__Connection", vectors.Keys);
        Assert.DoesNotContain("Stores__DynamoDb__Table", vectors.Keys);
    }

    [Fact]
    public void The_irsa_policy_allows_only_putitem_and_only_on_the_table()
    {
        var state = DesiredStacks.Of("dev", v => UseDynamoDb(v, new JsonObject { ["tableName"] = "dev-online" }));

        var statements = JsonNode.Parse(Assert.IsType<string>(state.Aws!.Role.InlinePolicyJson))!["Statement"]!.AsArray();
        var dynamo = statements.Where(s => s!["Action"]!.ToJsonString().Contains("dynamodb:", StringComparison.Ordinal)).ToList();
        var statement = Assert.Single(dynamo)!;
        Assert.Equal("Allow", (string)statement["Effect"]!);
        Assert.Equal(["dynamodb:PutItem"], statement["Action"]!.AsArray().Select(a => (string)a!));
        Assert.Equal("arn:aws:dynamodb:us-east-1:123456789012:table/dev-online", (string)statement["Resource"]!);
    }

    [Fact]
    public void Without_dynamodb_the_policy_grants_nothing_on_dynamodb_and_no_table_is_desired()
    {
        var state = DesiredStacks.Of("dev");
        Assert.Null(state.Aws!.OnlineTable);
        Assert.DoesNotContain("dynamodb:", state.Aws.Role.InlinePolicyJson);
        Assert.DoesNotContain("Stores__DynamoDb__Table", Env(state, WriterType.ONLINE_WRITER).Keys);
    }

    [Fact]
    public void An_existing_table_is_referenced_not_created()
    {
        var state = DesiredStacks.Of("dev", v => UseDynamoDb(v, new JsonObject { ["existingTable"] = "shared-online-features" }));

        var table = state.Aws!.OnlineTable!;
        Assert.False(table.Create);
        Assert.Equal("arn:aws:dynamodb:us-east-1:123456789012:table/shared-online-features", table.Arn);
        Assert.Equal("shared-online-features", Env(state, WriterType.ONLINE_WRITER)["Stores__DynamoDb__Table"]);
        Assert.Contains(table.Arn, state.Aws.Role.InlinePolicyJson);
    }

    [Fact]
    public void Render_shows_the_table_and_its_grant_in_cloud_resources()
    {
        var dir = Path.Combine(_temp, "dev");
        ManifestWriter.Write(DesiredStacks.Of("dev", v => UseDynamoDb(v)), dir);
        var md = File.ReadAllText(Path.Combine(dir, "cloud-resources.md"));

        Assert.Contains("### DynamoDB online table", md);
        Assert.Contains("- create `background-persistence-online-features`: billing PAY_PER_REQUEST, hash key `online_key` (S), TTL on attribute `expires_at`", md);
        Assert.Contains("the IRSA policy allows only `dynamodb:PutItem` on it", md);
    }

    [Fact]
    public void Validate_refuses_dynamodb_on_gcp_naming_the_key()
    {
        var report = Validate("prod", v => UseDynamoDb(v));
        var error = report.Single(Severity.Error, Kind);
        Assert.Contains("DynamoDB is an AWS service; this stack is on gcp", error.Message);
    }

    [Fact]
    public void An_unknown_kind_lists_the_valid_ones()
    {
        var report = Validate("dev", v => v.Set("stores.online", new JsonObject { ["kind"] = "cassandra" }));
        Assert.Contains("expected one of redis, dynamodb", report.Single(Severity.Error, Kind).Message);
    }

    [Theory]
    [InlineData("tableName", "arn:aws:dynamodb:us-east-1:123456789012:table/x")]
    [InlineData("existingTable", "ab")]
    public void A_bad_table_name_is_refused_by_key(string key, string name)
    {
        var report = Validate("dev", v => UseDynamoDb(v, new JsonObject { [key] = name }));
        Assert.Contains("is not a DynamoDB table name", report.Single(Severity.Error, $"persistence:stores.online.dynamodb.{key}").Message);
    }

    [Fact]
    public void Both_a_created_and_an_existing_table_is_refused()
    {
        var report = Validate("dev", v => UseDynamoDb(v, new JsonObject { ["tableName"] = "a-table", ["existingTable"] = "b-table" }));
        Assert.Contains("both tableName", report.Single(Severity.Error, "persistence:stores.online.dynamodb").Message);
    }

    [Fact]
    public void With_dynamodb_only_the_vector_writer_still_needs_redis()
    {
        var report = Validate("dev", v => { UseDynamoDb(v); v.RemovePath("stores.redis"); });
        Assert.Contains("ONLINE_VECTOR_STORE_WRITER writes to Redis", report.Single(Severity.Error, "persistence:stores.redis").Message);

        var withoutVectors = Validate("dev", v =>
        {
            UseDynamoDb(v);
            v.RemovePath("stores.redis");
            v["writers"] = new JsonArray([.. v["writers"]!.AsArray().Where(w => (string)w!["type"]! != "ONLINE_VECTOR_STORE_WRITER").Select(w => w!.DeepClone())]);
        });
        Assert.False(withoutVectors.HasErrors, string.Join(Environment.NewLine, withoutVectors.Errors));
    }

    [Fact]
    public void A_dynamodb_section_with_kind_redis_is_a_warning_that_it_is_ignored()
    {
        var report = Validate("dev", v => v.Set("stores.online", new JsonObject { ["dynamodb"] = new JsonObject { ["tableName"] = "x-table" } }));
        Assert.False(report.HasErrors);
        Assert.Contains("ignored", report.Single(Severity.Warning, "persistence:stores.online.dynamodb").Message);
    }
}
