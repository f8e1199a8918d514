using System.Globalization;
using Microsoft.Extensions.Configuration;
using Persistence.Buses.Kafka;
using Persistence.Contracts;
using Persistence.Writer.Cli;

namespace Persistence.Writer.Hosting;

/// <summary>
/// `persistence-writer topics ensure --topics a,b --dlq d [--partitions 6] [--replication 3] [--retention-hours 168]`:
/// creates missing Kafka topics and the DLQ, raises partition counts and sets retention where they differ, with the
/// Bus:Kafka settings of the environment; a partition decrease is refused (exit 3) before anything changes.
/// Runs as a Kubernetes Job inside the cluster, where MSK is reachable.
/// </summary>
public static class TopicsCommand
{
    public static async Task<int> RunAsync(TopicsEnsureArguments parsed, CancellationToken cancel)
    {
        var (topics, dlq) = (parsed.Topics, parsed.DeadLetterTopic);
        if (topics.Count == 0 && dlq is null) throw new UsageException("topics ensure: name the topics with --topics a,b,c and the dead-letter topic with --dlq");

        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var options = BusSelection.KafkaOptions(configuration);
        var problems = options.Problems().ToList();
        if (problems.Count > 0) throw new ConfigurationProblemException(problems);

        var partitions = parsed.Partitions;
        var replication = (short)parsed.Replication;
        var hour = 3_600_000L;
        var specs = topics.Select(t => new TopicsEnsure.TopicSpec(t, partitions, replication, parsed.RetentionHours * hour)).ToList();
        // The DLQ keeps longer: it is read by people, days later.
        if (dlq is not null) specs.Add(new TopicsEnsure.TopicSpec(dlq, Math.Min(partitions, 3), replication, parsed.DeadLetterRetentionHours * hour));

        try
        {
            var outcome = await TopicsEnsure.RunAsync(options, specs, cancellationToken: cancel).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"topics at {options.BootstrapServers}: created [{string.Join(", ", outcome.Created)}], already present [{string.Join(", ", outcome.Present)}], " +
                $"partitions increased [{string.Join(", ", outcome.PartitionsIncreased)}], configs altered [{string.Join(", ", outcome.ConfigsAltered)}]"));
            foreach (var note in outcome.Notes) Console.WriteLine($"warning: {note}");
            return 0;
        }
        catch (TopicsRefusedException e)
        {
            foreach (var problem in e.Problems) Console.Error.WriteLine($"error: {problem}");
            return 3;
        }
        catch (BusUnavailableException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
