using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Diagnostics;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Bench;

/// <summary>
/// Runs the REAL writer loop (receive, budget, batch, decode, write, acknowledge) with a real sink over a
/// source, until every message is acknowledged. The in-process bus holds a backlog published before the clock
/// starts, so its cost is only handing messages over.
/// </summary>
public static class LoopRun
{
    public static WriterOptions Options(int batch, int concurrency = 2) => new()
    {
        Name = "bench", MaxBatchMessages = batch, MaxBatchBytes = 64L << 20, BatchLingerMilliseconds = 50, Concurrency = concurrency,
        MemoryBudgetBytes = 1L << 30,
    };

    /// <summary>A full collection before a timed section: what building its input allocated is charged to nobody.</summary>
    public static void CollectHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Seconds from the start of the loop until the backlog of <paramref name="payloads"/> is acknowledged, and what the GC did meanwhile.</summary>
    public static async Task<(double Seconds, GcWindow Gc)> DrainAsync<T>(IReadOnlyList<byte[]> payloads, string writerType, IMessageDecoder<T> decoder, ISink<T> sink, WriterOptions options)
    {
        var bus = new InProcessBus();
        var subscription = bus.EnsureSubscription("in", "bench");
        bus.EnsureSubscription("dlq", "dlq-inspector");
        await using (var publisher = bus.OpenPublisher("in"))
            await publisher.PublishAsync([.. payloads.Select(p => new OutboundMessage(p))], CancellationToken.None).ConfigureAwait(false);
        await using var source = bus.OpenSource("in", "bench");
        // The backlog waits in the bus as it would in a broker: promoting what publishing it allocated is not the writer's cost.
        CollectHeap();
        var gc = GcWindow.Now();
        var (seconds, stats) = await RunUntilAsync(source, writerType, decoder, sink, options, bus.OpenPublisher("dlq"), () => subscription.Acked >= payloads.Count).ConfigureAwait(false);
        if (stats.DeadLettered > 0 || stats.Written != payloads.Count)
            throw new InvalidOperationException($"{writerType}: {stats.Written} of {payloads.Count} written, {stats.DeadLettered} dead-lettered: the bench's data is wrong ({stats.LastError})");
        return (seconds, GcWindow.Since(gc));
    }

    /// <summary>Runs the loop over <paramref name="source"/> until <paramref name="done"/>; seconds from the first message received.</summary>
    public static async Task<(double Seconds, WriterStats Stats)> RunUntilAsync<T>(IMessageSource source, string writerType, IMessageDecoder<T> decoder, ISink<T> sink,
        WriterOptions options, IMessagePublisher deadLetters, Func<bool> done, bool fromFirstMessage = false)
    {
        var stats = new WriterStats("bench");
        var loop = new WriterLoop<T>(new WriterIdentity("bench", writerType), source, decoder, sink, new DeadLetterPublisher(deadLetters),
            options, new ByteBudget(options.MemoryBudgetBytes), stats, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var run = loop.RunAsync(stop.Token);
        TimeSpan? first = fromFirstMessage ? null : TimeSpan.Zero;
        while (!done())
        {
            if (run.IsCompleted) await run.ConfigureAwait(false);
            if (first is null && stats.Received > 0) first = clock.Elapsed;
            await Task.Delay(1).ConfigureAwait(false);
        }
        var elapsed = clock.Elapsed - (first ?? TimeSpan.Zero);
        await stop.CancelAsync().ConfigureAwait(false);
        await run.ConfigureAwait(false);
        return (elapsed.TotalSeconds, stats);
    }
}
