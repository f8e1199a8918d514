using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Persistence.Stores.DynamoDb;
using Persistence.Writer.Hosting;

namespace Persistence.Stores.Tests;

/// <summary>Stores:DynamoDb settings that cannot work stop the writer at start (exit 3), each problem naming its key.</summary>
public sealed class DynamoDbSettingsTests
{
    private static Dictionary<string, string?> OnlineWriter(Dictionary<string, string?> stores) => new(stores)
    {
        ["Writer:Type"] = "ONLINE_WRITER", ["Writer:Subscription"] = "result-bus-online", ["Bus:DeadLetterTopic"] = "dlq-1",
        ["Bus:Backend"] = "Kafka", ["Bus:Kafka:BootstrapServers"] = "127.0.0.1:9092",
    };

    private static IReadOnlyList<string> Problems(Dictionary<string, string?> settings) =>
        Assert.Throws<ConfigurationProblemException>(() =>
            WriterHost.Build(WriterHost.CreateEmptyBuilder(OnlineWriter(settings)))).Problems;

    [Theory]
    [InlineData("Stores:DynamoDb:Table", "a", "Stores:DynamoDb:Table 'a' is not a DynamoDB table name")]
    [InlineData("Stores:DynamoDb:ServiceUrl", "127.0.0.1:4567", "Stores:DynamoDb:ServiceUrl '127.0.0.1:4567' must be an absolute http(s) URL")]
    [InlineData("Stores:DynamoDb:Region", "US East", "Stores:DynamoDb:Region 'US East' is not an AWS region name")]
    [InlineData("Stores:DynamoDb:MaxConcurrency", "0", "Stores:DynamoDb:MaxConcurrency must be between 1 and 1024 (was 0)")]
    public void A_bad_setting_is_refused_by_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { ["Stores:DynamoDb:Table"] = "online-features", [key] = value };
        Assert.Contains(Problems(settings), p => p.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_that_is_not_a_number_names_the_key()
    {
        var problems = Problems(new() { ["Stores:DynamoDb:Table"] = "online-features", ["Stores:DynamoDb:MaxConcurrency"] = "many" });
        Assert.Contains(problems, p => p.Contains("Stores:DynamoDb:MaxConcurrency") && p.Contains("many"));
    }

    [Fact]
    public void An_endpoint_without_a_table_asks_for_the_table()
    {
        var problems = Problems(new() { ["Stores:DynamoDb:ServiceUrl"] = "http://127.0.0.1:4567" });
        Assert.Contains(problems, p => p.StartsWith("Stores:DynamoDb:Table is required when Stores:DynamoDb:ServiceUrl", StringComparison.Ordinal));
    }

    [Fact]
    public void Good_settings_have_no_problems()
    {
        Assert.Empty(new DynamoDbStoreOptions { Table = "prod.online-features_1", Region = "eu-central-1", MaxConcurrency = 64 }.Problems());
    }
}
