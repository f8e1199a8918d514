namespace Persistence.Runtime.Tests;

/// <summary>At-least-once: nothing is acknowledged before the sink has durably written it.</summary>
public sealed class AcknowledgementTests
{
    [Fact]
    public async Task Messages_are_acknowledged_only_after_the_sink_returns()
    {
        var harness = new LoopHarness();
        var release = new TaskCompletionSource();
        harness.Sink.Behaviour = async (_, _) => { await release.Task; return null; };
        harness.Publish("a", "b", "c");
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer();
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => harness.Sink.Calls > 0, "the sink to be called");
        await Task.Delay(50);
        Assert.Equal(0, harness.Input.Acked);
        Assert.Equal(3, harness.Input.Outstanding);

        release.SetResult();
        await harness.WaitAckedAsync(writer, 3, "acks after the write");
        Assert.Equal(["a", "b", "c"], harness.Sink.Written.Order());
        Assert.Equal(3, writer.Stats.Written);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_writer_that_dies_mid_batch_loses_nothing_after_restart()
    {
        var harness = new LoopHarness();
        harness.Sink.Behaviour = (_, _) => new TaskCompletionSource<Persistence.Runtime.Pipeline.WriteResult?>().Task; // never completes
        harness.Publish("a", "b", "c", "d");
        using (var crash = new CancellationTokenSource())
        {
            var writer = harness.Writer();
            _ = writer.RunAsync(crash.Token); // stays hung in its write, like a process that died mid-batch
            await LoopHarness.WaitUntilAsync(() => harness.Sink.Calls > 0, "the first write");
            // The process dies: its source goes away with nothing acknowledged.
            await writer.Source.DisposeAsync();
        }
        Assert.Equal(0, harness.Input.Acked);
        Assert.Equal(4, harness.Input.Backlog);

        harness.Sink.Behaviour = null;
        using var stop = new CancellationTokenSource();
        var restarted = harness.Writer();
        var run = restarted.RunAsync(stop.Token);
        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 4, "the restarted writer to catch up");
        Assert.Superset(new HashSet<string> { "a", "b", "c", "d" }, harness.Sink.Written.ToHashSet());
        await stop.CancelAsync();
        await run;
    }
}
