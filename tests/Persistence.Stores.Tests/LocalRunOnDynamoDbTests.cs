using System.Globalization;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using Persistence.Contracts;
using Persistence.Writer.Local;

namespace Persistence.Stores.Tests;

/// <summary>`persistence-writer local --dynamodb`: the online writer persists the workload into a DynamoDB table and the summary reconciles from it.</summary>
public sealed class LocalRunOnDynamoDbTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    [Fact]
    public async Task A_local_run_on_dynamodb_reconciles_and_the_online_values_are_in_the_run_table()
    {
        fixture.SkipIfMissing();
        var runId = $"t{Guid.NewGuid():N}"[..20];
        var output = new StringWriter();
        var outDir = Directory.CreateTempSubdirectory("local-dynamo-").FullName;
        var code = await LocalCommand.RunAsync(
            ["--queries", "150", "--rows", "3", "--malformed", "0.03", "--bulk-files", "1", "--dynamodb", fixture.ServiceUrl, "--run-id", runId, "--out", outDir, "--quiet"],
            output, CancellationToken.None);
        var text = output.ToString();

        Assert.True(code == 0, text);
        Assert.Contains("RECONCILED", text);
        Assert.Contains($"counted in DynamoDB table local_{runId}", text);
        var match = Regex.Match(text, @"online store keys\s+(\d+) / (\d+)\s+ok");
        Assert.True(match.Success, text);
        var landed = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(landed > 0, text);

        // The table holds exactly that many items, each with a parseable value and a TTL after its observed-at.
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await fixture.Client.ScanAsync(new ScanRequest { TableName = $"local_{runId}", ExclusiveStartKey = start });
            items.AddRange(page.Items);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        Assert.Equal(landed, items.Count);
        Assert.All(items, item =>
        {
            Assert.StartsWith("online:", item[OnlineTableLayout.Key].S);
            _ = Persistence.Contracts.V1.Value.Parser.ParseFrom(item[OnlineTableLayout.Value].B.ToArray());
            Assert.True(long.Parse(item[OnlineTableLayout.ExpiresAt].N, CultureInfo.InvariantCulture) * 1000 > long.Parse(item[OnlineTableLayout.ObservedAt].N, CultureInfo.InvariantCulture));
        });
    }
}
