using Persistence.Stores;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Persistence.Contracts;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Sinks;
using Persistence.Sinks.Offline;
using Persistence.Sinks.Online;
using Value = Persistence.Contracts.V1.Value;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writer.Local;

/// <summary>
/// Generates a realistic query-result workload: results with typed features (every value type, some nulls,
/// online and offline flags), query-log entries, vector batches, bulk parquet files, and a small share of
/// malformed messages on each bus. Records what must land where.
/// </summary>
public sealed class Workload(WorkloadOptions options, IMessageBus bus, string uploadDirectory)
{
    private const int VectorDimensions = 8;
    private static readonly FeatureDescriptor[] Features =
    [
        Feature("user.credit_score", ValueType.Float, TimeSpan.FromHours(1)),
        Feature("user.age", ValueType.Int, TimeSpan.FromDays(1)),
        Feature("user.name", ValueType.String, null),
        Feature("user.is_fraud", ValueType.Bool, TimeSpan.FromMinutes(10)),
        Feature("user.last_login", ValueType.Timestamp, TimeSpan.FromHours(6)),
        Feature("user.avatar_hash", ValueType.Bytes, null),
        Feature("user.embedding", ValueType.Vector, TimeSpan.FromHours(1), VectorDimensions),
    ];

    private readonly Random _random = new(options.Seed);

    public Expectations Expected { get; } = new();

    public async Task PublishAsync(CancellationToken cancellationToken)
    {
        await using var results = bus.OpenPublisher(LocalTopics.ResultBus);
        await using var operations = bus.OpenPublisher(LocalTopics.OperationBus);
        await using var vectors = bus.OpenPublisher(LocalTopics.VectorStoreBus);
        await using var bulk = bus.OpenPublisher(LocalTopics.BulkInsert);
        await using var streaming = bus.OpenPublisher(LocalTopics.StreamingInsert);

        var startedAt = DateTimeOffset.UtcNow;
        for (var q = 0; q < options.Queries; q++)
        {
            var queryId = $"q-{options.Seed}-{q:D6}";
            var at = startedAt.AddMilliseconds(q);
            if (Malformed())
            {
                await PublishMalformedResultAsync(results, q, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var result = Result(queryId, q, at);
                await Publish(results, LocalTopics.ResultBus, result, cancellationToken).ConfigureAwait(false);
                ExpectResult(result);
            }
            await PublishQueryLogAsync(operations, queryId, at, cancellationToken).ConfigureAwait(false);
            await PublishVectorsAsync(vectors, q, at, cancellationToken).ConfigureAwait(false);
        }
        await PublishBulkFilesAsync(bulk, cancellationToken).ConfigureAwait(false);
        await PublishForeignStreamingInsertsAsync(streaming, cancellationToken).ConfigureAwait(false);
    }

    private bool Malformed() => _random.NextDouble() < options.MalformedShare;

    private async Task Publish(IMessagePublisher publisher, string topic, IMessage message, CancellationToken ct)
    {
        await publisher.PublishAsync(new OutboundMessage(message.ToByteArray()), ct).ConfigureAwait(false);
        Expected.CountPublished(topic);
    }

    /// <summary>Alternates bytes that are not protobuf with a result whose rows do not match its features.</summary>
    private async Task PublishMalformedResultAsync(IMessagePublisher results, int q, CancellationToken ct)
    {
        if (q % 2 == 0)
        {
            await results.PublishAsync(new OutboundMessage(new byte[] { 0xFF, 0xFF, 0xFF, 0x0F, 0x01 }), ct).ConfigureAwait(false);
            Expected.CountPublished(LocalTopics.ResultBus);
        }
        else
        {
            var broken = Result($"q-malformed-{q}", q, DateTimeOffset.UtcNow);
            broken.Rows[0].Values.RemoveAt(0);
            await Publish(results, LocalTopics.ResultBus, broken, ct).ConfigureAwait(false);
        }
        // Every result-bus writer reads it through its own subscription, and each dead-letters it.
        foreach (var type in WriterCatalog.All.Where(w => w.Reads == LogicalBus.ResultBus))
            Expected.DeadLetters[type.Type]++;
    }

    private QueryResult Result(string queryId, int q, DateTimeOffset at)
    {
        var result = new QueryResult
        {
            QueryId = queryId,
            Environment = "local",
            DeploymentId = "dep-local-1",
            OperationName = q % 3 == 0 ? "credit_decision" : "fraud_check",
            StartedAt = Timestamp.FromDateTimeOffset(at),
            FinishedAt = Timestamp.FromDateTimeOffset(at.AddMilliseconds(12)),
            Latency = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(5 + _random.Next(40))),
            Namespace = "user",
            PrimaryKeys = { "user.id" },
            Features = { Features },
            // Mostly both; a few results are online-only or offline-only, as query options allow.
            StoreOnline = q % 20 != 1,
            StoreOffline = q % 20 != 2,
        };
        for (var r = 0; r < options.RowsPerQuery; r++)
        {
            // Users repeat across queries, so newer observations must replace older ones online.
            var userId = _random.Next(options.Queries * options.RowsPerQuery / 4 + 1);
            var row = new ResultRow { PrimaryKeys = { Values.Of((long)userId) }, ObservedAt = Timestamp.FromDateTimeOffset(at) };
            foreach (var feature in Features)
                row.Values.Add(_random.NextDouble() < 0.05 ? Values.Null() : RandomValue(feature.Type, userId));
            result.Rows.Add(row);
        }
        return result;
    }

    private void ExpectResult(QueryResult result)
    {
        foreach (var row in result.Rows)
        {
            var entity = ResultValidation.EntityKey(result, row);
            foreach (var feature in result.Features)
                if (result.StoreOnline && feature.MaxStaleness is not null)
                    Expected.OnlineKeys.Add(OnlineKeys.For(feature.Fqn, entity));
        }
        if (result.StoreOffline)
        {
            foreach (var feature in result.Features)
                Expected.AddOfflineRows(FeatureTables.TableFor(feature.Fqn), result.Rows.Count);
            Expected.AddOfflineRows(FeatureTables.QueryLog, 1);
        }
        Expected.MetricRows += result.Features.Count;
    }

    private Value RandomValue(ValueType type, int userId) => type switch
    {
        ValueType.Float => Values.Of(Math.Round(300 + _random.NextDouble() * 550, 2)),
        ValueType.Int => Values.Of((long)(18 + userId % 70)),
        ValueType.String => Values.Of($"user-{userId}"),
        ValueType.Bool => Values.Of(_random.NextDouble() < 0.02),
        ValueType.Timestamp => Values.Of(DateTimeOffset.UtcNow.AddMinutes(-_random.Next(10_000))),
        ValueType.Bytes => new Value { BytesValue = ByteString.CopyFrom(BitConverter.GetBytes(userId * 2654435761L)) },
        _ => Values.Of(RandomVector()),
    };

    private float[] RandomVector() => Enumerable.Range(0, VectorDimensions).Select(_ => (float)_random.NextDouble()).ToArray();

    private async Task PublishQueryLogAsync(IMessagePublisher operations, string queryId, DateTimeOffset at, CancellationToken ct)
    {
        var entry = new QueryLogEntry
        {
            QueryId = queryId,
            Environment = "local",
            DeploymentId = "dep-local-1",
            OperationName = Malformed() ? "" : "fraud_check",
            StartedAt = Timestamp.FromDateTimeOffset(at),
            Latency = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(9)),
            Inputs = { ["user.id"] = Values.Of((long)_random.Next(1000)) },
            Outputs = { "user.credit_score", "user.is_fraud" },
            RowCount = 1,
        };
        await Publish(operations, LocalTopics.OperationBus, entry, ct).ConfigureAwait(false);
        if (entry.OperationName.Length == 0) Expected.DeadLetters[WriterType.QUERY_MIRROR_CONSUMER]++;
        else Expected.MirroredQueries++;
    }

    private async Task PublishVectorsAsync(IMessagePublisher vectors, int q, DateTimeOffset at, CancellationToken ct)
    {
        if (q % 5 != 0) return;
        var malformed = Malformed();
        var batch = new VectorBatch { Index = "user.embedding", Dimensions = VectorDimensions };
        for (var r = 0; r < 4; r++)
        {
            var key = $"user:{_random.Next(500)}";
            var values = malformed && r == 0 ? RandomVector()[..3] : RandomVector();
            batch.Records.Add(new VectorRecord { Key = key, Values = { values }, ObservedAt = Timestamp.FromDateTimeOffset(at) });
        }
        await Publish(vectors, LocalTopics.VectorStoreBus, batch, ct).ConfigureAwait(false);
        if (malformed) Expected.DeadLetters[WriterType.ONLINE_VECTOR_STORE_WRITER]++;
        else foreach (var record in batch.Records) Expected.Vectors.Add($"{batch.Index}|{record.Key}");
    }

    /// <summary>Offline query results written as parquet files (as store_offline=True does), then announced.</summary>
    private async Task PublishBulkFilesAsync(IMessagePublisher bulk, CancellationToken ct)
    {
        Directory.CreateDirectory(uploadDirectory);
        var feature = Feature("user.credit_score_offline", ValueType.Float, null);
        var table = FeatureTables.TableFor(feature.Fqn);
        var schema = FeatureTables.FeatureSchema(feature);
        for (var f = 0; f < options.BulkFiles; f++)
        {
            var rows = Enumerable.Range(0, options.RowsPerBulkFile).Select(r => new object?[]
            {
                $"bulk-{f}/{r}", $"user:{r}", Math.Round(_random.NextDouble() * 850, 2), DateTime.UtcNow, $"offline-query-{f}", "local",
            }).ToList();
            var path = Path.Combine(uploadDirectory, $"offline-query-{f:D3}.parquet");
            await File.WriteAllBytesAsync(path, await ParquetCodec.EncodeAsync(schema, rows, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
            var missing = f == 0 && options.MalformedShare > 0; // one notification names a file that was never uploaded
            var note = new BulkInsertNotification
            {
                ObjectUri = new Uri(missing ? path + ".missing" : path).AbsoluteUri,
                Table = table,
                RowCount = rows.Count,
                Schema = schema,
                SourceQueryId = $"offline-query-{f}",
            };
            await Publish(bulk, LocalTopics.BulkInsert, note, ct).ConfigureAwait(false);
            if (missing) Expected.DeadLetters[WriterType.OFFLINE_STORE_BULK_INSERT_WRITER]++;
            else Expected.AddOfflineRows(table, rows.Count);
        }
    }

    /// <summary>Other components publish to the streaming-insert topic too; one of them sends a corrupt file.</summary>
    private async Task PublishForeignStreamingInsertsAsync(IMessagePublisher streaming, CancellationToken ct)
    {
        if (options.MalformedShare <= 0) return;
        var feature = Feature("user.credit_score", ValueType.Float, null);
        var corrupt = new StreamingInsert
        {
            Table = FeatureTables.TableFor(feature.Fqn),
            Schema = FeatureTables.FeatureSchema(feature),
            Parquet = ByteString.CopyFromUtf8("PAR1 this is not a parquet file"),
            RowCount = 1,
            SourceQueryId = "foreign-component",
        };
        await Publish(streaming, LocalTopics.StreamingInsert, corrupt, ct).ConfigureAwait(false);
        Expected.DeadLetters[WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER]++;
    }

    private static FeatureDescriptor Feature(string fqn, ValueType type, TimeSpan? maxStaleness, uint dimensions = 0)
    {
        var feature = new FeatureDescriptor { Fqn = fqn, Type = type, VectorDimensions = dimensions };
        if (maxStaleness is { } staleness) feature.MaxStaleness = Duration.FromTimeSpan(staleness);
        return feature;
    }
}
