using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Persistence.Contracts.V1;
using Persistence.Sinks.Offline;
using Persistence.Stores;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writer.Bench;

/// <summary>Messages as the query servers and the offline writer publish them, with unique entities and observation ids.</summary>
public static class BenchData
{
    /// <summary>Query results of <paramref name="features"/> float features (or vectors of <paramref name="vectorDimensions"/>) over <paramref name="rows"/> rows.</summary>
    public static List<QueryResult> Results(string run, int count, int features, int rows, int vectorDimensions = 0)
    {
        var now = DateTimeOffset.UtcNow;
        var descriptors = Enumerable.Range(0, features).Select(f => new FeatureDescriptor
        {
            Fqn = $"bench.f{f}", Type = vectorDimensions > 0 ? ValueType.Vector : ValueType.Float, VectorDimensions = (uint)vectorDimensions,
            MaxStaleness = Duration.FromTimeSpan(TimeSpan.FromDays(1)),
        }).ToArray();
        var random = new Random(42);
        var results = new List<QueryResult>(count);
        for (var q = 0; q < count; q++)
        {
            var result = new QueryResult
            {
                QueryId = $"{run}-q{q}", Environment = "bench", DeploymentId = "bench", OperationName = "bench",
                StartedAt = Timestamp.FromDateTimeOffset(now), FinishedAt = Timestamp.FromDateTimeOffset(now.AddMilliseconds(2)),
                Latency = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(2)),
                Namespace = "user", PrimaryKeys = { "user.id" }, Features = { descriptors }, StoreOnline = true, StoreOffline = true,
            };
            for (var r = 0; r < rows; r++)
            {
                var row = new ResultRow { PrimaryKeys = { Values.Of((long)q * rows + r) }, ObservedAt = Timestamp.FromDateTimeOffset(now) };
                for (var f = 0; f < features; f++)
                    row.Values.Add(vectorDimensions > 0
                        ? Values.Of(Enumerable.Range(0, vectorDimensions).Select(_ => (float)random.NextDouble()).ToArray())
                        : Values.Of(random.NextDouble()));
                result.Rows.Add(row);
            }
            results.Add(result);
        }
        return results;
    }

    /// <summary>Streaming inserts as the offline writer publishes them: message i goes to table i mod <paramref name="tables"/>.</summary>
    public static async Task<List<byte[]>> StreamingInsertsAsync(IReadOnlyList<string> tables, int messages, int rowsPerMessage, string run)
    {
        var schema = FeatureSchema;
        var at = DateTime.UtcNow;
        var payloads = new List<byte[]>(messages);
        for (var m = 0; m < messages; m++)
        {
            var rows = Enumerable.Range(0, rowsPerMessage).Select(r => new object?[]
            {
                $"{run}-q{m}/{r}", $"user:{m * rowsPerMessage + r}", (double)r, at, $"{run}-q{m}", "bench",
            }).ToList();
            payloads.Add(new StreamingInsert
            {
                Table = tables[m % tables.Count], Schema = schema, RowCount = rowsPerMessage,
                Parquet = ByteString.CopyFrom(await ParquetCodec.EncodeAsync(schema, rows).ConfigureAwait(false)),
                SourceQueryId = $"{run}-q{m}", ProducedAt = Timestamp.FromDateTime(at),
            }.ToByteArray());
        }
        return payloads;
    }

    public static readonly TableSchema FeatureSchema = FeatureTables.FeatureSchema(new FeatureDescriptor { Fqn = "bench.f", Type = ValueType.Float });
}
