using System.Diagnostics;
using Google.Protobuf;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks;
using Persistence.Sinks.Offline;
using Persistence.Sinks.Registry;
using Persistence.Stores;

namespace Persistence.Writer.Bench;

/// <summary>
/// OFFLINE_WRITER (the real loop and sink, its catalog the offline store, publishing to an in-process topic)
/// against its own parquet codec alone encoding the same rows in the same chunks, at the same concurrency.
/// </summary>
public sealed class OfflineWriterBench(Func<IOfflineStore> catalog)
{
    public sealed record Shape(int Results, int Features, int Rows, int Batch)
    {
        public long TotalRows => (long)Results * Features * Rows;
        public override string ToString() => $"{Results} results x {Features} features x {Rows} rows, batch {Batch}";
    }

    private int _run;

    /// <summary>What the GC did on each side during the last run, for the run's line.</summary>
    public string? LastGc { get; private set; }

    /// <summary>Results per timed slice: about a quarter of a second per side here, a multiple of any batch size up to 500.</summary>
    public const int SliceResults = 25_000;

    public async Task<(double Ours, double Limit)> RunAsync(Shape shape)
    {
        var number = Interlocked.Increment(ref _run);
        // Counted, then dropped, as the limit drops what it encodes: neither keeps its output alive.
        var published = new CountingPublisher();
        var sink = new OfflineWriterSink(catalog(), published);
        var (ours, limit) = (new Timed(), new Timed());
        var slice = Math.Max(shape.Batch, SliceResults / shape.Batch * shape.Batch);
        var slices = (shape.Results + slice - 1) / slice;
        for (var s = 0; s < slices; s++)
        {
            // A slice's inputs for both sides, untimed, then each side timed on it, taking turns first: the machine's drift,
            // which moved single one-second sections by a third, falls on both alike, and either side runs with only this
            // slice's inputs on the heap, as a writer holds only its backlog.
            var results = BenchData.Results($"r{number}s{s}", Math.Min(slice, shape.Results - s * slice), shape.Features, shape.Rows);
            var payloads = results.Select(r => r.ToByteArray()).ToList();
            var work = CodecWork(results, shape.Batch);
            results = null;
            if (s == 0)
            {
                // Steady state, as after a writer's first batch: its tables are checked once per process, not per batch.
                var first = new InboundMessage("warm-up", payloads[0], InboundMessage.NoAttributes);
                await sink.WriteAsync([new Decoded<OfflineResult>(WriterFactory.OfflineResults.Decode(first), first)], CancellationToken.None).ConfigureAwait(false);
            }
            await Turns.TakeAsync(s,
                async () => ours.Add(await LoopRun.DrainAsync(payloads, "OFFLINE_WRITER", WriterFactory.OfflineResults, sink, LoopRun.Options(shape.Batch)).ConfigureAwait(false)),
                async () => limit.Add(await CodecAloneAsync(work).ConfigureAwait(false))).ConfigureAwait(false);
        }
        var expected = (shape.Results + shape.Batch - 1) / shape.Batch * (shape.Features + 1);
        if (published.Count < expected) throw new InvalidOperationException($"offline bench: {published.Count} streaming inserts published, at least {expected} expected");
        LastGc = $"GC while timed: ours {ours.Gc}; limit {limit.Gc}; {slices} slices, taking turns";
        return (shape.TotalRows / ours.Seconds, shape.TotalRows / limit.Seconds);
    }

    /// <summary>A side's timed slices added up.</summary>
    private sealed class Timed
    {
        public double Seconds { get; private set; }
        public GcWindow Gc { get; private set; }
        public void Add((double Seconds, GcWindow Gc) slice) => (Seconds, Gc) = (Seconds + slice.Seconds, Gc + slice.Gc);
    }

    /// <summary>
    /// The rows the sink builds, as the typed columns the codec takes: one table per feature plus query_log per batch,
    /// built from the parsed results through the boxed-row API, not the sink's own column code.
    /// </summary>
    private static List<TableColumns> CodecWork(List<QueryResult> results, int batch) => [.. results.Chunk(batch).SelectMany(chunk =>
    {
        var tables = new List<(TableSchema Schema, List<object?[]> Rows)>();
        var first = chunk[0];
        for (var f = 0; f < first.Features.Count; f++)
            tables.Add((FeatureTables.FeatureSchema(first.Features[f]), [.. chunk.SelectMany(result => result.Rows.Select((row, r) => new object?[]
            {
                FeatureTables.ObservationIdOf(result.QueryId, r, first.Features[f].Fqn), ResultValidation.EntityKey(result, row), Values.ToColumn(row.Values[f]),
                row.ObservedAt.ToDateTime(), result.QueryId, result.Environment,
            }))]));
        tables.Add((FeatureTables.QueryLogSchema, [.. chunk.Select(result => new object?[]
        {
            result.QueryId, result.Environment, result.DeploymentId, result.OperationName, result.StartedAt?.ToDateTime(),
            result.Latency?.ToTimeSpan().TotalMilliseconds ?? 0d, (long)result.Rows.Count, (long)result.Features.Count,
        })]));
        return tables.Select(table => TableColumns.FromRows(table.Schema, table.Rows));
    })];

    /// <summary>Seconds the codec takes for the same tables per batch, two batches at a time like the loop's default concurrency.</summary>
    private static async Task<(double Seconds, GcWindow Gc)> CodecAloneAsync(List<TableColumns> work)
    {
        LoopRun.CollectHeap();
        var gc = GcWindow.Now();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (table, ct) =>
            await ParquetCodec.EncodeToMemoryAsync(table, ct).ConfigureAwait(false)).ConfigureAwait(false);
        return (clock.Elapsed.TotalSeconds, GcWindow.Since(gc));
    }

    private sealed class CountingPublisher : IMessagePublisher
    {
        private long _count;
        public long Count => Interlocked.Read(ref _count);
        public string Topic => "streaming-insert";

        public ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _count, messages.Count);
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
