using System.Text;
using Persistence.Buses.PubSub;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
using Persistence.Runtime.Tests;
using Persistence.Tests.Shared;
using static Persistence.Buses.Tests.BusTestWriters;
using static Persistence.Tests.Shared.Eventually;

namespace Persistence.Buses.Tests;

/// <summary>The unchanged writer loop over Google Pub/Sub, against the real emulator.</summary>
public sealed class PubSubBusTests(PubSubEmulator emulator) : IClassFixture<PubSubEmulator>
{
    private static async Task<(string Topic, string Subscription, string Dlq)> NewAsync(PubSubBus bus)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        await bus.EnsureAsync($"dlq-{id}", $"dlq-{id}-sub");
        await bus.EnsureAsync($"topic-{id}", $"sub-{id}");
        return ($"topic-{id}", $"sub-{id}", $"dlq-{id}");
    }

    private static IRunnableWriter Writer(IMessageBus bus, string subscription, string dlq, ScriptedSink sink, long budget = 1 << 20) =>
        BusTestWriters.Writer(bus, SourceAddress.PubSub(subscription), "pubsub-writer", sink, dlq, budget);

    [Fact]
    public async Task Poison_messages_reach_the_dlq_with_context_attributes_and_the_rest_are_written()
    {
        emulator.SkipIfMissing();
        using var bus = emulator.Bus();
        var (topic, subscription, dlq) = await NewAsync(bus);
        await PublishAsync(bus, topic, ["a", "bad:1", "b", "c"]);

        var sink = new ScriptedSink();
        using var stop = new CancellationTokenSource();
        var writer = Writer(bus, subscription, dlq, sink);
        var run = writer.RunAsync(stop.Token);
        await WaitAsync(() => writer.Stats.Written == 3 && writer.Stats.DeadLettered == 1, "3 written, 1 dead-lettered");
        await stop.CancelAsync();
        await run;
        await writer.Source.DisposeAsync();

        await using var reader = bus.OpenSource(SourceAddress.PubSub($"{dlq}-sub"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var letter = (await reader.ReceiveAsync(timeout.Token)).Message;
        Assert.Equal("bad:1", Encoding.UTF8.GetString(letter.Payload.Span));
        var context = DeadLetterPublisher.FromAttributes(letter.Attributes)!;
        Assert.Equal(("decode", "pubsub-writer"), (context.ErrorClass, context.WriterName));
        Assert.EndsWith($"/subscriptions/{subscription}", context.Source);
        Assert.Equal(["a", "b", "c"], sink.Written.Order());
    }

    [Fact]
    public async Task A_writer_killed_mid_batch_and_restarted_loses_nothing_and_a_graceful_stop_repeats_nothing()
    {
        emulator.SkipIfMissing();
        using var bus = emulator.Bus();
        var (topic, subscription, dlq) = await NewAsync(bus);
        var expected = Enumerable.Range(0, 100).Select(i => $"m{i}").ToHashSet();
        await PublishAsync(bus, topic, expected);

        var stuck = new ScriptedSink();
        var never = new TaskCompletionSource();
        stuck.Behaviour = async (_, call) => { if (call > 1) await never.Task; return null; };
        var first = Writer(bus, subscription, dlq, stuck);
        _ = first.RunAsync(CancellationToken.None);
        await WaitAsync(() => stuck.Calls > 1, "a batch written, then a hung write");
        await first.Source.DisposeAsync(); // the pod dies with messages in flight

        var sink = new ScriptedSink();
        using var stop = new CancellationTokenSource();
        var second = Writer(bus, subscription, dlq, sink);
        var run = second.RunAsync(stop.Token);
        await WaitAsync(() => expected.IsSubsetOf(stuck.Written.Concat(sink.Written)),
            () => $"every message written at least once (missing: {string.Join(",", expected.Except(stuck.Written.Concat(sink.Written)).Take(10))})");
        await Task.Delay(500); // let the last acks flush
        await stop.CancelAsync();
        await run;
        await second.Source.DisposeAsync();

        var third = new ScriptedSink();
        using var stop3 = new CancellationTokenSource();
        var restarted = Writer(bus, subscription, dlq, third);
        var run3 = restarted.RunAsync(stop3.Token);
        await PublishAsync(bus, topic, ["after"]);
        await WaitAsync(() => third.Written.Contains("after"),
            () => $"the new message (third writer received {restarted.Stats.Received}, written [{string.Join(",", third.Written)}], run {run3.Status} {run3.Exception?.GetBaseException().Message})");
        await Task.Delay(1000);
        Assert.Equal(["after"], third.Written);
        await stop3.CancelAsync();
        await run3;
        await restarted.Source.DisposeAsync();
        never.TrySetResult();
    }

    [Fact]
    public async Task A_slow_sink_keeps_memory_bounded()
    {
        emulator.SkipIfMissing();
        using var bus = emulator.Bus();
        var (topic, subscription, dlq) = await NewAsync(bus);
        await PublishAsync(bus, topic, Enumerable.Range(0, 200).Select(i => $"{i:D4}{new string('x', 500)}"));
        var sink = new ScriptedSink();
        var release = new TaskCompletionSource();
        sink.Behaviour = async (_, _) => { await release.Task; return null; };
        const long budget = 8_000;
        using var stop = new CancellationTokenSource();
        var writer = Writer(bus, subscription, dlq, sink, budget);
        var run = writer.RunAsync(stop.Token);
        await WaitAsync(() => writer.Budget.Waits > 0, "the budget to fill");
        await Task.Delay(500);
        Assert.True(writer.Budget.Peak <= budget, $"peak {writer.Budget.Peak} > budget {budget}");
        Assert.True(writer.Stats.Received <= 17, $"received {writer.Stats.Received}: the writer must stop pulling");
        release.SetResult();
        await WaitAsync(() => writer.Stats.Written >= 200, "everything written once the sink frees up");
        await stop.CancelAsync();
        await run;
        await writer.Source.DisposeAsync();
    }

    [Fact]
    public async Task An_unknown_subscription_or_unreachable_emulator_fails_with_a_clear_error()
    {
        emulator.SkipIfMissing();
        using var bus = emulator.Bus();
        await using var missing = bus.OpenSource(SourceAddress.ForWriter("no-such-subscription", "ignored-group"));
        var error = await Assert.ThrowsAsync<PubSubUnavailableException>(async () => await missing.ReceiveAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token));
        Assert.Contains("projects/test-project/subscriptions/no-such-subscription", error.Message);
        Assert.Contains("Writer:Subscription", error.Message);

        using var nowhere = new PubSubBus(new PubSubBusOptions { ProjectId = "test-project", EmulatorHost = "127.0.0.1:1" });
        var publish = await Assert.ThrowsAsync<PubSubUnavailableException>(() => PublishAsync(nowhere, "t", ["x"]));
        Assert.Contains("127.0.0.1:1", publish.Message);
    }
}
