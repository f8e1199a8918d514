using System.Collections.Concurrent;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Google.Protobuf;
using Persistence.Contracts;

namespace Persistence.Stores.DynamoDb;

/// <summary>
/// Online values in DynamoDB, one item per online key (<see cref="OnlineTableLayout"/>): the serialized value, the
/// observed-at in ms and the TTL attribute (Unix seconds of observed-at + max_staleness). Each write is a PutItem whose
/// condition refuses the same or a newer observation, so redelivery and reordering are safe; a refused condition is a
/// skip, not an error. Writes of a batch go out in parallel, at most <see cref="DynamoDbStoreOptions.MaxConcurrency"/>
/// at once, because DynamoDB has no conditional batch write (BatchWriteItem takes no condition).
/// </summary>
public sealed class DynamoDbOnlineStore(IAmazonDynamoDB client, DynamoDbStoreOptions options) : IOnlineStore
{
    private const string Condition = "attribute_not_exists(#k) OR #t < :t";

    private static readonly Dictionary<string, string> Names = new()
    {
        ["#k"] = OnlineTableLayout.Key,
        ["#t"] = OnlineTableLayout.ObservedAt,
    };

    private long _written;
    private long _skipped;

    /// <summary>Items put since start.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Writes refused by the condition (the table held the same or a newer observation).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    public string Table => options.Table;

    public async Task WriteAsync(IReadOnlyList<OnlineValue> values, CancellationToken cancellationToken)
    {
        var failures = new ConcurrentQueue<(OnlineValue Value, Exception Error, DynamoDbErrorClass Class)>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(values, parallel, async (value, token) =>
        {
            try
            {
                await client.PutItemAsync(Request(options.Table, value), token).ConfigureAwait(false);
                Interlocked.Increment(ref _written);
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                var kind = DynamoDbErrors.Classify(e);
                if (kind == DynamoDbErrorClass.Skipped) Interlocked.Increment(ref _skipped);
                else failures.Enqueue((value, e, kind));
            }
        }).ConfigureAwait(false);

        if (failures.IsEmpty) return;
        // Retry first: a retried batch re-puts the values already written as skips, so retrying loses and duplicates nothing.
        if (failures.FirstOrDefault(f => f.Class == DynamoDbErrorClass.Transient) is { Error: { } transient })
            throw new DynamoDbUnavailableException(
                $"DynamoDB table {options.Table}: {failures.Count(f => f.Class == DynamoDbErrorClass.Transient)} of {values.Count} writes failed and the batch is retried " +
                $"({DynamoDbErrors.Hint(transient, options.Table)}; {DynamoDbErrors.Describe(transient)})", transient);
        var rejected = failures.ToList();
        throw new PermanentWriteException(
            $"DynamoDB table {options.Table} rejected {rejected.Count} of {values.Count} items, e.g. key {rejected[0].Value.Key} " +
            $"({DynamoDbErrors.Describe(rejected[0].Error)})", rejected[0].Error);
    }

    /// <summary>The conditional put of one value.</summary>
    public static PutItemRequest Request(string table, OnlineValue value)
    {
        var observedAtMs = value.ObservedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return new PutItemRequest
        {
            TableName = table,
            Item = new Dictionary<string, AttributeValue>
            {
                [OnlineTableLayout.Key] = new() { S = value.Key },
                [OnlineTableLayout.Value] = new() { B = new MemoryStream(value.Value.ToByteArray(), writable: false) },
                [OnlineTableLayout.ObservedAt] = new() { N = observedAtMs },
                [OnlineTableLayout.ExpiresAt] = new() { N = value.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
            },
            ConditionExpression = Condition,
            ExpressionAttributeNames = Names,
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":t"] = new() { N = observedAtMs } },
        };
    }
}
