using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Buses.Kafka;
using Persistence.Buses.Kafka.Dlq;
using Persistence.Buses.PubSub;
using Persistence.Buses.PubSub.Dlq;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Writer.Cli;
using Persistence.Writer.Hosting;

namespace Persistence.Writer.Dlq;

/// <summary>
/// `persistence-writer dlq replay`: the bus from the writer settings of the environment (Bus__Backend, Bus__Kafka__*,
/// Bus__PubSub__*, Bus__DeadLetterTopic), as in the writers' own Deployments, so it runs wherever a writer runs.
/// </summary>
public static class DlqCommand
{
    public const string Usage = """
        dlq replay [--dlq TOPIC] [--subscription SUB | --group GROUP] [filters] [--dry-run | --to-file PATH]
                   [--rate N (50/s)] [--max N] [--to-topic TOPIC] [--idle-seconds N (5)]
              filters: --writer NAME --error-class CLASS --since TIME --until TIME (ISO 8601, dead-lettered at)
                       --message-id ID (original or DLQ message id)
              bus from Bus__Backend, Bus__Kafka__*, Bus__PubSub__*, Bus__DeadLetterTopic in the environment
        """;

    private static readonly string[] Options = ["dlq", "subscription", "group", "writer", "error-class", "since", "until", "message-id", "rate", "max", "to-topic", "to-file", "idle-seconds"];

    /// <param name="settings">The bus settings; the environment when null (tests pass their own).</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancel, IConfiguration? settings = null)
    {
        if (args.FirstOrDefault() != "replay") throw new UsageException("dlq: the only subcommand is 'replay'");
        var parsed = CommandArgs.Parse(args.Skip(1).ToList(), "dlq replay", Options, ["dry-run"]);
        var configuration = settings ?? new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var plan = new ReplayPlan(
            new ReplayFilter(parsed.Get("writer"), parsed.Get("error-class"), Time(parsed, "since"), Time(parsed, "until"), parsed.Get("message-id")),
            parsed.Flag("dry-run"), parsed.Double("rate", 50), parsed.Get("max") is null ? null : parsed.Int("max", 0), parsed.Get("to-topic"), parsed.Get("to-file"));
        if (plan.RatePerSecond <= 0) throw new UsageException("--rate must be above 0 (messages per second)");
        var dlq = parsed.Get("dlq") ?? configuration[SettingNames.Bus.DeadLetterTopic];
        if (string.IsNullOrWhiteSpace(dlq))
            throw new ConfigurationProblemException([$"the DLQ topic is unknown: pass --dlq or set {SettingNames.ToEnvironmentVariable(SettingNames.Bus.DeadLetterTopic)}"]);

        var problems = new List<string>();
        var (reader, bus) = Open(configuration, parsed, dlq, problems);
        if (problems.Count > 0) throw new ConfigurationProblemException(problems);
        try
        {
            await using (reader!)
            {
                Console.WriteLine($"reading {reader!.Name}: {plan.Filter}{(plan.DryRun ? " (dry run)" : "")}{(plan.ToFile is null ? "" : $" -> {plan.ToFile}")}");
                var outcome = await new DeadLetterReplay(reader, bus!.OpenPublisher, Console.Out).RunAsync(plan, cancel).ConfigureAwait(false);
                Print(outcome, plan);
                return outcome.Unreplayable.Count > 0 ? 1 : 0;
            }
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled: dead letters not yet confirmed on their topic stay in the DLQ");
            return 130;
        }
        catch (Exception e) when (e is BusUnavailableException or PubSubUnavailableException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        finally
        {
            (bus as IDisposable)?.Dispose();
        }
    }

    private static (IDeadLetterReader?, IMessageBus?) Open(IConfiguration configuration, CommandArgs parsed, string dlq, List<string> problems)
    {
        var backend = configuration[SettingNames.Bus.Backend]?.ToUpperInvariant();
        switch (backend)
        {
            case "KAFKA":
                var kafka = Hosting.Settings.SectionBinding.Bind<KafkaBusOptions>(configuration, "Bus:Kafka", problems);
                problems.AddRange(kafka.Problems());
                if (problems.Count > 0) return (null, null);
                return (new KafkaDeadLetterReader(kafka, dlq, parsed.Get("group") ?? $"{dlq}-replay"), new KafkaBus(kafka, NullLoggerFactory.Instance));
            case "PUBSUB":
                var pubsub = Hosting.Settings.SectionBinding.Bind<PubSubBusOptions>(configuration, "Bus:PubSub", problems);
                problems.AddRange(pubsub.Problems());
                if (problems.Count > 0) return (null, null);
                var bus = new PubSubBus(pubsub);
                var idle = TimeSpan.FromSeconds(parsed.Double("idle-seconds", 5));
                return (new PubSubDeadLetterReader(bus, parsed.Get("subscription") ?? $"{dlq}-hold", idle), bus);
            default:
                problems.Add($"{SettingNames.ToEnvironmentVariable(SettingNames.Bus.Backend)} must be Kafka or PubSub (got '{configuration[SettingNames.Bus.Backend]}')");
                return (null, null);
        }
    }

    private static void Print(ReplayOutcome outcome, ReplayPlan plan)
    {
        var what = plan.ToFile is not null ? $"exported {outcome.Exported} to {plan.ToFile}" : plan.DryRun ? $"would replay {outcome.Selected - outcome.Unreplayable.Count}" : $"replayed {outcome.Replayed}";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read {outcome.Read} dead letter(s), selected {outcome.Selected}, {what}"));
        foreach (var (topic, count) in outcome.ReplayedByTopic) Console.WriteLine($"  {count,6} -> {topic}");
        foreach (var problem in outcome.Unreplayable) Console.Error.WriteLine($"not replayed: {problem}");
    }

    private static DateTimeOffset? Time(CommandArgs parsed, string name)
    {
        if (parsed.Get(name) is not { } text) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at;
        throw new UsageException($"--{name} must be a time in ISO 8601, e.g. 2026-12-01T18:00:00Z (got '{text}')");
    }
}
