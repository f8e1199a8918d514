using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Buses.Kafka;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;
using Persistence.Runtime.Tests;
using static Persistence.Buses.Tests.BusTestWriters;
using static Persistence.Tests.Shared.Eventually;

namespace Persistence.Buses.Tests;

/// <summary>The unchanged writer loop over Kafka (librdkafka's mock cluster): nothing lost, poison to the DLQ, bounded memory, clean drain.</summary>
public sealed class KafkaBusTests(KafkaMockCluster cluster) : IClassFixture<KafkaMockCluster>
{
    private static IRunnableWriter Writer(IMessageBus bus, string topic, string group, ScriptedSink sink, string dlq, long budget = 1 << 20, WriterOptions? options = null) =>
        BusTestWriters.Writer(bus, SourceAddress.Kafka(topic, group), group, sink, dlq, budget, options);

    [Fact]
    public async Task A_writer_killed_mid_batch_and_restarted_loses_nothing()
    {
        using var bus = cluster.Bus();
        var topic = KafkaMockCluster.NewTopic();
        var expected = Enumerable.Range(0, 200).Select(i => $"m{i}").ToHashSet();
        await PublishAsync(bus, topic, expected);

        var stuck = new ScriptedSink();
        var release = new TaskCompletionSource();
        stuck.Behaviour = async (_, call) => { if (call > 3) await release.Task; return null; };
        using (var crash = new CancellationTokenSource())
        {
            var first = Writer(bus, topic, "group-a", stuck, "dlq");
            _ = first.RunAsync(crash.Token);
            await WaitAsync(() => stuck.Calls > 3, "a few batches, then a hung write");
            await first.Source.DisposeAsync(); // the pod dies: only settled offsets were committed
        }

        var sink = new ScriptedSink();
        using var stop = new CancellationTokenSource();
        var second = Writer(bus, topic, "group-a", sink, "dlq");
        var run = second.RunAsync(stop.Token);
        await WaitAsync(() => expected.IsSubsetOf(stuck.Written.Concat(sink.Written)), "every message written at least once");
        Assert.True(sink.Written.Count < 200, "the restarted writer should resume from the committed offsets, not from the start");
        await stop.CancelAsync();
        await run;
        release.TrySetResult();
    }

    [Fact]
    public async Task Poison_messages_reach_the_dlq_topic_with_context_headers_and_the_rest_are_written()
    {
        using var bus = cluster.Bus();
        var topic = KafkaMockCluster.NewTopic();
        var dlq = KafkaMockCluster.NewTopic();
        await PublishAsync(bus, topic, ["a", "bad:1", "b", "bad:2", "c"]);

        var sink = new ScriptedSink();
        using var stop = new CancellationTokenSource();
        var writer = Writer(bus, topic, "group-dlq", sink, dlq);
        var run = writer.RunAsync(stop.Token);
        await WaitAsync(() => writer.Stats.Written == 3 && writer.Stats.DeadLettered == 2, "3 written and 2 dead-lettered");
        await stop.CancelAsync();
        await run;

        await using var reader = bus.OpenSource(SourceAddress.Kafka(dlq, "dlq-reader"));
        var letters = new List<InboundMessage>();
        while (letters.Count < 2)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            letters.Add((await reader.ReceiveAsync(timeout.Token)).Message);
        }
        Assert.Equal(["bad:1", "bad:2"], letters.Select(l => Encoding.UTF8.GetString(l.Payload.Span)).Order());
        var context = DeadLetterPublisher.FromAttributes(letters[0].Attributes)!;
        Assert.Equal(("group-dlq", "decode"), (context.Source, context.ErrorClass));
        Assert.Matches($"^{topic}/[0-9]+@[0-9]+$", context.MessageId);
    }

    [Fact]
    public async Task A_slow_sink_keeps_memory_bounded_and_lag_grows_instead()
    {
        using var bus = cluster.Bus();
        var topic = KafkaMockCluster.NewTopic();
        await PublishAsync(bus, topic, Enumerable.Range(0, 300).Select(i => $"{i:D4}{new string('x', 500)}"));

        var sink = new ScriptedSink();
        var release = new TaskCompletionSource();
        sink.Behaviour = async (_, _) => { await release.Task; return null; };
        const long budget = 8_000;
        using var stop = new CancellationTokenSource();
        var writer = Writer(bus, topic, "group-slow", sink, "dlq", budget);
        var run = writer.RunAsync(stop.Token);

        await WaitAsync(() => writer.Budget.Waits > 0 && (writer.Source.Backlog ?? 0) > 200, "the budget to fill and lag to show");
        Assert.True(writer.Budget.Peak <= budget, $"peak {writer.Budget.Peak} > budget {budget}");
        Assert.True(writer.Stats.Received <= 17, $"received {writer.Stats.Received}: the writer must stop pulling");
        var lagByPartition = ((IPartitionedBacklog)writer.Source).BacklogByPartition;
        Assert.All(lagByPartition.Keys, k => Assert.StartsWith($"{topic}/", k));
        Assert.True(lagByPartition.Values.Sum() > 200, $"per-partition lag {string.Join(", ", lagByPartition)} must show the backlog");

        release.SetResult();
        await WaitAsync(() => writer.Stats.Written == 300, "everything written once the sink frees up");
        Assert.True(writer.Budget.Peak <= budget);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_graceful_stop_commits_what_was_written_so_a_restart_does_not_repeat_it()
    {
        using var bus = cluster.Bus();
        var topic = KafkaMockCluster.NewTopic();
        await PublishAsync(bus, topic, Enumerable.Range(0, 100).Select(i => $"m{i}"));

        var sink = new ScriptedSink();
        using (var stop = new CancellationTokenSource())
        {
            var writer = Writer(bus, topic, "group-drain", sink, "dlq");
            var run = writer.RunAsync(stop.Token);
            await WaitAsync(() => writer.Stats.Written == 100, "all written");
            await stop.CancelAsync();
            await run;
            await writer.Source.DisposeAsync();
        }

        var again = new ScriptedSink();
        using var stop2 = new CancellationTokenSource();
        var restarted = Writer(bus, topic, "group-drain", again, "dlq");
        var run2 = restarted.RunAsync(stop2.Token);
        await PublishAsync(bus, topic, ["after-restart"]);
        await WaitAsync(() => again.Written.Contains("after-restart"), "the new message");
        Assert.Equal(["after-restart"], again.Written);
        await stop2.CancelAsync();
        await run2;
    }

    [Fact]
    public async Task An_unreachable_broker_fails_with_a_clear_error_not_a_hang()
    {
        var options = new KafkaBusOptions { BootstrapServers = "127.0.0.1:1", UnreachableTimeoutSeconds = 3 };
        using var bus = new KafkaBus(options, NullLoggerFactory.Instance);
        await using var source = bus.OpenSource(SourceAddress.Kafka("nowhere", "group-x"));
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<BusUnavailableException>(async () => await source.ReceiveAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token));
        Assert.Contains("127.0.0.1:1 not reachable", error.Message);
        Assert.Contains("Bus:Kafka:BootstrapServers", error.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
    }
}
