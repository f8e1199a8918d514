using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Persistence.Contracts;
using Persistence.Writer.Cli;

namespace Persistence.Writer.Local;

/// <summary>
/// The online table of a `local --dynamodb` run: "local_{run}", created as the stack creates it (on-demand, hash key
/// <see cref="OnlineTableLayout.Key"/>), emptied by re-creation when the run id is reused, and scanned for the summary.
/// Only `local` creates tables; a writer only puts items (its IAM policy allows nothing else).
/// </summary>
internal static class LocalDynamoDbTable
{
    public static string NameOf(string runId) => $"local_{runId}";

    public static async Task PrepareAsync(IAmazonDynamoDB client, string table, string endpoint, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                await client.DeleteTableAsync(table, cancellationToken).ConfigureAwait(false);
                await WaitAsync(client, table, gone: true, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceNotFoundException)
            {
                // A fresh run id: nothing to empty.
            }
            await client.CreateTableAsync(new CreateTableRequest
            {
                TableName = table,
                BillingMode = BillingMode.PAY_PER_REQUEST,
                AttributeDefinitions = [new AttributeDefinition(OnlineTableLayout.Key, ScalarAttributeType.S)],
                KeySchema = [new KeySchemaElement(OnlineTableLayout.Key, KeyType.HASH)],
            }, cancellationToken).ConfigureAwait(false);
            await WaitAsync(client, table, gone: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or TimeoutException)
        {
            throw new UsageException($"local: DynamoDB at --dynamodb {endpoint} refused the run's table {table} ({e.Message}); is dynalite (or DynamoDB Local) running there?");
        }
    }

    private static async Task WaitAsync(IAmazonDynamoDB client, string table, bool gone, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                var status = (await client.DescribeTableAsync(table, cancellationToken).ConfigureAwait(false)).Table.TableStatus;
                if (!gone && status == TableStatus.ACTIVE) return;
            }
            catch (ResourceNotFoundException) when (gone)
            {
                return;
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"table {table} did not become {(gone ? "deleted" : "ACTIVE")} within 30 s");
    }

    /// <summary>Every online key in the table (a paginated scan of the key attribute only).</summary>
    public static async Task<IReadOnlySet<string>> KeysAsync(IAmazonDynamoDB client, string table, CancellationToken cancellationToken)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await client.ScanAsync(new ScanRequest
            {
                TableName = table,
                ProjectionExpression = "#k",
                ExpressionAttributeNames = new() { ["#k"] = OnlineTableLayout.Key },
                ExclusiveStartKey = start,
            }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? []) keys.Add(item[OnlineTableLayout.Key].S);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return keys;
    }
}
