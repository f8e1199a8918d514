using Persistence.Runtime.Options;

namespace Persistence.Runtime.Tests;

/// <summary>SIGTERM: stop receiving, finish and acknowledge what is in flight; hand back what cannot finish in time.</summary>
public sealed class GracefulDrainTests
{
    [Fact]
    public async Task Stopping_writes_and_acknowledges_in_flight_batches_and_leaves_the_rest_on_the_bus()
    {
        var harness = new LoopHarness();
        var inWrite = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        harness.Sink.Behaviour = async (_, call) =>
        {
            if (call == 1) { inWrite.TrySetResult(); await release.Task; }
            return null;
        };
        harness.Publish(Enumerable.Range(0, 50).Select(i => $"m{i}").ToArray());
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer(new WriterOptions { MaxBatchMessages = 5, BatchLingerMilliseconds = 1, Concurrency = 1, DrainTimeoutSeconds = 10 }, budgetBytes: 40);
        var run = writer.RunAsync(stop.Token);

        await inWrite.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();          // SIGTERM arrives mid-write
        release.SetResult();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, harness.Input.Outstanding);                    // nothing left unsettled
        // Everything received was written and acked, except a message that arrived as the stop began: handed back, not lost.
        Assert.Equal(writer.Stats.Received - writer.Stats.HandedBack, harness.Input.Acked);
        Assert.Equal(harness.Input.Acked, harness.Sink.Written.Count);
        Assert.Equal(50, harness.Input.Acked + harness.Input.Backlog); // the rest waits on the bus
        Assert.True(harness.Input.Backlog > 0, "stopping should leave unread messages on the bus");
    }

    [Fact]
    public async Task A_batch_still_unwritten_at_the_drain_timeout_is_handed_back_unacknowledged()
    {
        var harness = new LoopHarness();
        harness.Sink.Behaviour = (_, _) => new TaskCompletionSource<Persistence.Runtime.Pipeline.WriteResult?>().Task; // a hung store
        harness.Publish("a", "b");
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer(new WriterOptions { BatchLingerMilliseconds = 5, DrainTimeoutSeconds = 0 });
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => harness.Sink.Calls > 0, "the write to start");
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, harness.Input.Acked);
        Assert.Equal(2, harness.Input.Redelivered);
        Assert.Equal(2, harness.Input.Backlog);
        Assert.Equal(2, writer.Stats.HandedBack);
        Assert.Empty(harness.Sink.Written);
    }
}
