using Microsoft.Extensions.Configuration;
using Persistence.Buses.Tests;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
using Persistence.Tests.Shared;
using Persistence.Writer.Dlq;
using static Persistence.Ops.Tests.DeadLetterFixtures;

namespace Persistence.Ops.Tests;

/// <summary>`dlq replay` on the Pub/Sub emulator and librdkafka's mock cluster: what lands on the origin topic, and what stays in the DLQ.</summary>
public sealed class DlqReplayTests(PubSubEmulator emulator) : IClassFixture<PubSubEmulator>
{
    private static readonly string[] AllPayloads = Enumerable.Range(0, 20).Select(i => $"m-{i}").ToArray();

    private static Task<ReplayOutcome> ReplayAsync(IDeadLetterReader reader, IMessageBus bus, ReplayPlan plan, CancellationToken cancel = default, Func<IMessagePublisher, IMessagePublisher>? wrap = null) =>
        RunAndDispose(reader, r => new DeadLetterReplay(r, t => (wrap ?? (p => p))(bus.OpenPublisher(t)), TextWriter.Null).RunAsync(plan, cancel));

    private static async Task<ReplayOutcome> RunAndDispose(IDeadLetterReader reader, Func<IDeadLetterReader, Task<ReplayOutcome>> run)
    {
        await using (reader) return await run(reader);
    }

    private async Task<(Buses.PubSub.PubSubBus Bus, string Sub, string Dlq)> PubSubTopologyAsync(int letters)
    {
        var bus = emulator.Bus();
        var id = Guid.NewGuid().ToString("N")[..8];
        await bus.EnsureAsync($"src-{id}", $"src-{id}-sub");
        await bus.EnsureAsync($"dlq-{id}", $"dlq-{id}-hold");
        await using var dlq = bus.OpenPublisher($"dlq-{id}");
        await DeadLetterAsync(dlq, bus.Options.SubscriptionPath($"src-{id}-sub"), i => $"pubsub-{id}-{i}", letters);
        return (bus, $"src-{id}-sub", $"dlq-{id}-hold");
    }

    [Fact]
    public async Task PubSub_dry_run_then_filtered_then_full_replay_lands_every_dead_letter_once_with_its_original_attributes()
    {
        emulator.SkipIfMissing();
        var (bus, sub, hold) = await PubSubTopologyAsync(20);

        var dry = await ReplayAsync(PubSubReader(bus, hold), bus, new ReplayPlan(new ReplayFilter(), DryRun: true));
        Assert.Equal((20, 20, 0), (dry.Read, dry.Selected, dry.Replayed));

        var decode = await ReplayAsync(PubSubReader(bus, hold), bus, new ReplayPlan(new ReplayFilter(ErrorClass: "decode")));
        Assert.Equal((20, 10, 10), (decode.Read, decode.Selected, decode.Replayed));
        var rest = await ReplayAsync(PubSubReader(bus, hold), bus, new ReplayPlan(new ReplayFilter()));
        Assert.Equal((10, 10), (rest.Read, rest.Replayed));
        var none = await ReplayAsync(PubSubReader(bus, hold), bus, new ReplayPlan(new ReplayFilter()));
        Assert.Equal(0, none.Read);

        var landed = await DrainAsync(PubSubReader(bus, sub));
        Assert.Equal(AllPayloads.Order(), landed.Select(l => l.Payload).Order());
        Assert.All(landed, l =>
        {
            Assert.Equal(l.Payload[2..], l.Attributes["origin"]);
            Assert.DoesNotContain(l.Attributes.Keys, k => k.StartsWith(DeadLetterPublisher.Prefix, StringComparison.Ordinal));
        });
        Assert.Equal(bus.Options.TopicPath(sub.Replace("-sub", "", StringComparison.Ordinal)), Assert.Single(rest.ReplayedByTopic.Keys));
    }

    [Fact]
    public async Task PubSub_replay_cancelled_midway_loses_nothing_and_the_next_run_replays_the_rest()
    {
        emulator.SkipIfMissing();
        var (bus, sub, hold) = await PubSubTopologyAsync(20);
        using var cancel = new CancellationTokenSource();
        var cancelAfter = new CancelAfter(7, cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ReplayAsync(PubSubReader(bus, hold), bus, new ReplayPlan(new ReplayFilter(), RatePerSecond: 20), cancel.Token, cancelAfter.Wrap));
        Assert.Equal(7, cancelAfter.Published);

        var rest = await ReplayAsync(PubSubReader(bus, hold), bus, new ReplayPlan(new ReplayFilter()));
        Assert.Equal(13, rest.Replayed);
        var landed = await DrainAsync(PubSubReader(bus, sub));
        Assert.Equal(AllPayloads.Order(), landed.Select(l => l.Payload).Order());
    }

    [Fact]
    public async Task PubSub_export_writes_json_lines_and_leaves_the_dlq_as_it_was()
    {
        emulator.SkipIfMissing();
        var (bus, _, hold) = await PubSubTopologyAsync(4);
        var file = Path.GetTempFileName();
        var exported = await ReplayAsync(PubSubReader(bus, hold), bus, new ReplayPlan(new ReplayFilter(Writer: "writer-a"), ToFile: file));
        Assert.Equal(2, exported.Exported);
        var lines = File.ReadAllLines(file).Select(l => System.Text.Json.JsonSerializer.Deserialize<ExportLine>(l, ExportLine.Json)!).ToList();
        Assert.Equal(["m-0", "m-2"], lines.Select(l => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(l.PayloadBase64))).Order());
        Assert.All(lines, l => Assert.Equal("schema_conflict", l.Context.ErrorClass));
        var still = await ReplayAsync(PubSubReader(bus, hold), bus, new ReplayPlan(new ReplayFilter(), DryRun: true));
        Assert.Equal(4, still.Selected);
    }

    [Fact]
    public async Task Kafka_replay_lands_every_dead_letter_once_and_a_cancelled_run_loses_nothing()
    {
        using var kafka = new KafkaMockCluster();
        using var bus = kafka.Bus();
        var source = KafkaMockCluster.NewTopic();
        var dlqTopic = KafkaMockCluster.NewTopic();
        await using (var dlq = bus.OpenPublisher(dlqTopic))
            await DeadLetterAsync(dlq, "offline-writer", i => $"{source}/{i % 3}@{100 + i}", 20);

        var dry = await ReplayAsync(KafkaReader(kafka, dlqTopic, "replay"), bus, new ReplayPlan(new ReplayFilter(Writer: "writer-b"), DryRun: true));
        Assert.Equal((20, 10, 0), (dry.Read, dry.Selected, dry.Replayed));

        using var cancel = new CancellationTokenSource();
        var cancelAfter = new CancelAfter(6, cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ReplayAsync(KafkaReader(kafka, dlqTopic, "replay"), bus, new ReplayPlan(new ReplayFilter(), RatePerSecond: 20), cancel.Token, cancelAfter.Wrap));
        var rest = await ReplayAsync(KafkaReader(kafka, dlqTopic, "replay"), bus, new ReplayPlan(new ReplayFilter()));
        Assert.Equal(14, rest.Replayed);
        Assert.Equal(source, Assert.Single(rest.ReplayedByTopic.Keys));
        var again = await ReplayAsync(KafkaReader(kafka, dlqTopic, "replay"), bus, new ReplayPlan(new ReplayFilter()));
        Assert.Equal(0, again.Read);

        var landed = await DrainAsync(KafkaReader(kafka, source, "check"));
        Assert.Equal(AllPayloads.Order(), landed.Select(l => l.Payload).Order());
        Assert.All(landed, l => Assert.Equal(l.Payload[2..], l.Attributes["origin"]));
    }

    [Fact]
    public async Task A_dead_letter_whose_origin_is_unknown_is_left_in_the_dlq_and_reported()
    {
        using var kafka = new KafkaMockCluster();
        using var bus = kafka.Bus();
        var dlqTopic = KafkaMockCluster.NewTopic();
        await using (var dlq = bus.OpenPublisher(dlqTopic))
            await DeadLetterAsync(dlq, "offline-writer", i => $"not-a-kafka-id-{i}", 2);
        var outcome = await ReplayAsync(KafkaReader(kafka, dlqTopic, "replay"), bus, new ReplayPlan(new ReplayFilter()));
        Assert.Equal(0, outcome.Replayed);
        Assert.Equal(2, outcome.Unreplayable.Count);
        Assert.Contains("--to-topic", outcome.Unreplayable[0], StringComparison.Ordinal);
        var still = await ReplayAsync(KafkaReader(kafka, dlqTopic, "replay"), bus, new ReplayPlan(new ReplayFilter(), DryRun: true));
        Assert.Equal(2, still.Read);
    }
}

/// <summary>The `dlq replay` command itself: bus settings bound as a writer binds them, options parsed, exit codes.</summary>
public sealed class DlqCommandTests(PubSubEmulator emulator) : IClassFixture<PubSubEmulator>
{
    private Microsoft.Extensions.Configuration.IConfiguration Settings(string dlq) => new Microsoft.Extensions.Configuration.ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:Backend"] = "PubSub", ["Bus:PubSub:ProjectId"] = "test-project", ["Bus:PubSub:EmulatorHost"] = emulator.HostPort, ["Bus:DeadLetterTopic"] = dlq,
        }).Build();

    [Fact]
    public async Task Replay_by_message_id_republishes_that_one_and_exits_0()
    {
        emulator.SkipIfMissing();
        using var bus = emulator.Bus();
        var id = Guid.NewGuid().ToString("N")[..8];
        await bus.EnsureAsync($"src-{id}", $"src-{id}-sub");
        await bus.EnsureAsync($"dlq-{id}", $"dlq-{id}-hold");
        await using (var dlq = bus.OpenPublisher($"dlq-{id}"))
            await DeadLetterAsync(dlq, bus.Options.SubscriptionPath($"src-{id}-sub"), i => $"orig-{id}-{i}", 3);

        var code = await DlqCommand.RunAsync(["replay", "--message-id", $"orig-{id}-1", "--idle-seconds", "2"], CancellationToken.None, Settings($"dlq-{id}"));

        Assert.Equal(0, code);
        var landed = await DrainAsync(PubSubReader(bus, $"src-{id}-sub"));
        Assert.Equal("m-1", Assert.Single(landed).Payload);
    }

    [Fact]
    public async Task Bad_options_and_missing_settings_are_refused_before_anything_is_read()
    {
        await Assert.ThrowsAsync<Persistence.Writer.Cli.UsageException>(() => DlqCommand.RunAsync(["replay", "--since", "yesterday"], CancellationToken.None, Settings("d")));
        await Assert.ThrowsAsync<Persistence.Writer.Cli.UsageException>(() => DlqCommand.RunAsync(["replay", "--rate", "0"], CancellationToken.None, Settings("d")));
        var missing = await Assert.ThrowsAsync<Persistence.Writer.Hosting.ConfigurationProblemException>(() =>
            DlqCommand.RunAsync(["replay"], CancellationToken.None, new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()));
        Assert.Contains("Bus__DeadLetterTopic", Assert.Single(missing.Problems), StringComparison.Ordinal);
    }
}
