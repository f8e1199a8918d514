using System.Collections.Concurrent;

namespace Persistence.Runtime.Tests;

/// <summary>
/// Adaptive linger: a partial batch is written as soon as nothing more is ready (the source is empty or the budget
/// full); the linger bounds only the wait while messages are still being handed over.
/// </summary>
public sealed class BatchingTests
{
    private static readonly Persistence.Runtime.Options.WriterOptions LongLinger = LoopHarness.FastOptions with { BatchLingerMilliseconds = 60_000 };

    [Fact]
    public async Task A_backlog_goes_in_full_batches_and_its_partial_tail_is_written_without_lingering()
    {
        var harness = new LoopHarness();
        var sizes = RecordSizes(harness);
        harness.Publish([.. Enumerable.Range(0, 25).Select(i => $"m{i}")]);
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer(LongLinger with { Concurrency = 1 });
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 25, "the backlog, well before the 60 s linger", timeoutMs: 5_000);
        Assert.Equal([10, 10, 5], sizes);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_message_arriving_alone_is_written_at_once()
    {
        var harness = new LoopHarness();
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer(LongLinger);
        var run = writer.RunAsync(stop.Token);

        foreach (var i in Enumerable.Range(1, 3))
        {
            harness.Publish($"m{i}");
            await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == i, $"message {i}, well before the 60 s linger", timeoutMs: 5_000);
        }
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task What_arrives_while_every_writer_is_busy_is_written_together()
    {
        var harness = new LoopHarness();
        var release = new TaskCompletionSource();
        var sizes = new ConcurrentQueue<int>();
        harness.Sink.Behaviour = async (values, call) =>
        {
            sizes.Enqueue(values.Count);
            if (call == 1) await release.Task;
            return null;
        };
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer(LongLinger with { Concurrency = 1 });
        var run = writer.RunAsync(stop.Token);

        harness.Publish("first");
        await LoopHarness.WaitUntilAsync(() => harness.Sink.Calls == 1, "the first write");
        foreach (var i in Enumerable.Range(0, 8)) harness.Publish($"m{i}");
        await LoopHarness.WaitUntilAsync(() => writer.Stats.Received == 9, "the rest received while the writer is busy");
        release.SetResult();

        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 9, "everything", timeoutMs: 5_000);
        Assert.Equal([1, 8], sizes);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_full_budget_writes_the_partial_batch_at_once()
    {
        var harness = new LoopHarness();
        var sizes = RecordSizes(harness);
        var payload = new string('x', 97);
        harness.Publish([.. Enumerable.Range(0, 9).Select(i => $"{i:D3}{payload}")]);
        using var stop = new CancellationTokenSource();
        // Room for three 100-byte messages: each batch of three is written when the fourth must wait for room.
        var writer = harness.Writer(LongLinger with { Concurrency = 1 }, budgetBytes: 300);
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 9, "every batch, well before the 60 s linger", timeoutMs: 5_000);
        Assert.All(sizes, size => Assert.InRange(size, 1, 3));
        Assert.True(writer.Budget.Peak <= 300);
        await stop.CancelAsync();
        await run;
    }

    private static ConcurrentQueue<int> RecordSizes(LoopHarness harness)
    {
        var sizes = new ConcurrentQueue<int>();
        harness.Sink.Behaviour = (values, _) => { sizes.Enqueue(values.Count); return Task.FromResult<Persistence.Runtime.Pipeline.WriteResult?>(null); };
        return sizes;
    }
}
