using System.Diagnostics;
using System.Text;
using Persistence.Buses.PubSub;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Tests;
using Persistence.Tests.Shared;
using static Persistence.Buses.Tests.BusTestWriters;
using static Persistence.Tests.Shared.Eventually;

namespace Persistence.Buses.Tests;

/// <summary>
/// Issue #9 item 4: what a crash or backpressure costs on Pub/Sub. Subscriptions here have a dead-letter policy
/// (max 10 attempts, as the stack creates them), so the emulator reports delivery attempts: a held message must
/// stay at attempt 1, and a crashed writer's messages must come back within leases of seconds (not the 120 s ack
/// deadline the prod stack sets), below the dead-letter policy's 10 attempts.
/// </summary>
public sealed class PubSubRecoveryTests(PubSubEmulator emulator) : IClassFixture<PubSubEmulator>
{
    /// <summary>The prod stack's ack deadline: with leases that long, a crash held messages for two minutes.</summary>
    private const int ProdAckDeadlineSeconds = 120;

    private PubSubBus Bus(string? via = null) => new(new PubSubBusOptions { ProjectId = "test-project", EmulatorHost = via ?? emulator.HostPort, AckDeadlineSeconds = ProdAckDeadlineSeconds });

    private static async Task<(string Topic, string Subscription, string Dlq)> NewAsync(PubSubBus bus)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        await bus.EnsureAsync($"dlq-{id}", $"dlq-{id}-sub");
        await bus.EnsureAsync($"topic-{id}", $"sub-{id}", deadLetterTopic: $"dlq-{id}");
        return ($"topic-{id}", $"sub-{id}", $"dlq-{id}");
    }

    /// <summary>Figures for the report: in the test output, and on stdout for `dotnet test` readers.</summary>
    private static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.WriteLine(line);
    }

    [Fact]
    public async Task Messages_held_behind_a_full_budget_wait_leased_and_are_never_redelivered()
    {
        emulator.SkipIfMissing();
        using var bus = Bus();
        var (topic, subscription, dlq) = await NewAsync(bus);
        var expected = Enumerable.Range(0, 40).Select(i => $"m{i:D2}").ToList();
        await PublishAsync(bus, topic, expected);

        // Room for 4 messages, one slow batch at a time: the last ones wait about 25 s, two and a half leases.
        var sink = new ScriptedSink { Behaviour = async (_, _) => { await Task.Delay(2_500); return null; } };
        using var stop = new CancellationTokenSource();
        var writer = BusTestWriters.Writer(bus, SourceAddress.PubSub(subscription), "held-writer", sink, dlq, budget: 12,
            options: Fast with { MaxBatchMessages = 4, Concurrency = 1 });
        var run = writer.RunAsync(stop.Token);
        var source = (PubSubSource)writer.Source;
        await WaitAsync(() => sink.Written.Count >= expected.Count, () => $"all written ({sink.Written.Count}; {source.Stats})", 120);
        await Task.Delay(1_000);
        await stop.CancelAsync();
        await run;
        var stats = source.Stats;
        await writer.Source.DisposeAsync();

        Report($"held behind the budget: {stats}");
        Assert.Equal(expected, sink.Written.Order());
        Assert.True(writer.Budget.Waits > 0, "the budget never filled: nothing was held");
        Assert.Equal((0L, 0L, 1), (stats.LeasesLost, stats.Redelivered, stats.MaxDeliveryAttempt));
    }

    [Fact]
    public async Task What_a_crashed_writer_held_comes_back_within_a_lease_not_the_ack_deadline()
    {
        emulator.SkipIfMissing();
        using var setup = Bus();
        var (topic, subscription, _) = await NewAsync(setup);
        var expected = Enumerable.Range(0, 200).Select(i => $"c{i:D3}").ToHashSet();
        await PublishAsync(setup, topic, expected);

        // The first writer receives everything and dies holding it: its connections are reset with no nack, as with
        // kill -9, and its stream is ended toward the emulator, as Google's service does (PubSubFrontEnd says why).
        using var network = new PubSubFrontEnd(emulator.HostPort);
        using var crashed = Bus(via: network.HostPort);
        var first = crashed.OpenSource(SourceAddress.PubSub(subscription));
        var held = new HashSet<string>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            while (held.Count < expected.Count)
                held.Add(Encoding.UTF8.GetString((await first.ReceiveAsync(timeout.Token)).Message.Payload.Span));
        network.Sever();

        using var restarted = Bus();
        await using var second = (PubSubSource)restarted.OpenSource(SourceAddress.PubSub(subscription));
        var clock = Stopwatch.StartNew();
        var again = new HashSet<string>();
        var attempts = new List<int>();
        using (var bound = new CancellationTokenSource(TimeSpan.FromSeconds(ProdAckDeadlineSeconds / 3)))
        {
            try
            {
                while (again.Count < expected.Count)
                {
                    var delivery = await second.ReceiveAsync(bound.Token);
                    again.Add(Encoding.UTF8.GetString(delivery.Message.Payload.Span));
                    attempts.Add(delivery.Message.DeliveryAttempt);
                    await delivery.AckAsync(CancellationToken.None);
                }
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"after {clock.Elapsed.TotalSeconds:F0}s the restarted writer had {again.Count} of the {expected.Count} messages the crashed one held");
            }
        }
        var recovered = clock.Elapsed;
        await Task.Delay(500); // acks flush

        Report(
            $"crash recovery: {expected.Count} held messages back in {recovered.TotalSeconds:F1}s (lease {restarted.Options.LeaseSeconds}s, ack deadline {ProdAckDeadlineSeconds}s); " +
            $"delivery attempts seen: {string.Join(", ", attempts.GroupBy(a => a).OrderBy(g => g.Key).Select(g => $"{g.Count()}x attempt {g.Key}"))}");
        Assert.Equal(expected, again);
        Assert.Equal(1, network.StreamsEnded);
        // A crash costs what the dead writer held exactly one delivery attempt: its lease ran out, once.
        Assert.All(attempts, a => Assert.Equal(2, a));
    }
}
