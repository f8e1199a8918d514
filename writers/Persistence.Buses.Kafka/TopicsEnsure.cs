using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Persistence.Buses.Kafka;

/// <summary>
/// Reconciles the bus topics and the DLQ with their spec: creates missing topics, raises partition counts, and sets
/// retention where it differs. A partition decrease is refused before anything is changed (Kafka cannot remove
/// partitions). Run inside the cluster (a Kubernetes Job) where MSK is reachable: `persistence-writer topics ensure`.
/// </summary>
public static class TopicsEnsure
{
    public sealed record TopicSpec(string Name, int Partitions, short ReplicationFactor, long RetentionMs);

    /// <param name="Created">topics created now</param>
    /// <param name="Present">topics that existed (whether or not they were changed)</param>
    /// <param name="PartitionsIncreased">"topic: 3 -> 6"</param>
    /// <param name="ConfigsAltered">"topic: retention.ms 86400000 -> 604800000"</param>
    /// <param name="Notes">differences left as they are, with why (replication factor)</param>
    public sealed record Outcome(IReadOnlyList<string> Created, IReadOnlyList<string> Present,
        IReadOnlyList<string> PartitionsIncreased, IReadOnlyList<string> ConfigsAltered, IReadOnlyList<string> Notes);

    public static async Task<Outcome> RunAsync(KafkaBusOptions options, IReadOnlyList<TopicSpec> topics, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        // librdkafka's own connection chatter is dropped: a failure is reported once, below, with what to check.
        using var client = new AdminClientBuilder(new AdminClientConfig(options.ClientConfig())).SetLogHandler((_, _) => { }).Build();
        try
        {
            return await RunAsync(new KafkaTopicAdmin(client, timeout ?? TimeSpan.FromSeconds(30)), topics, cancellationToken).ConfigureAwait(false);
        }
        catch (BusUnavailableException e)
        {
            throw new BusUnavailableException($"{e.Message} (at {options.BootstrapServers})");
        }
        catch (KafkaException e)
        {
            throw new BusUnavailableException($"could not reach Kafka at {options.BootstrapServers} to ensure topics: {e.Error.Reason}. " +
                $"Check {Persistence.Contracts.SettingNames.Bus.KafkaBootstrapServers}, the security protocol and the network path from this pod.");
        }
    }

    public static async Task<Outcome> RunAsync(ITopicAdmin admin, IReadOnlyList<TopicSpec> topics, CancellationToken cancellationToken = default)
    {
        var current = await admin.DescribeAsync([.. topics.Select(t => t.Name)], cancellationToken).ConfigureAwait(false);

        // Refuse before changing anything, so a bad spec never leaves the topics half reconciled.
        var decreases = topics.Where(t => current.TryGetValue(t.Name, out var c) && t.Partitions < c.Partitions)
            .Select(t => $"topic '{t.Name}' has {current[t.Name].Partitions} partitions and {t.Partitions} were asked: Kafka cannot remove partitions. " +
                         $"Set --partitions (persistence:bus.kafka.partitions) to at least {current[t.Name].Partitions}, or delete and recreate the topic, losing its data")
            .ToList();
        if (decreases.Count > 0) throw new TopicsRefusedException(decreases);

        var missing = topics.Where(t => !current.ContainsKey(t.Name)).ToList();
        var raced = missing.Count == 0 ? [] : await admin.CreateAsync([.. missing.Select(Specification)], cancellationToken).ConfigureAwait(false);

        var increases = topics.Where(t => current.TryGetValue(t.Name, out var c) && t.Partitions > c.Partitions).ToList();
        if (increases.Count > 0)
            await admin.IncreasePartitionsAsync([.. increases.Select(t => new PartitionsSpecification { Topic = t.Name, IncreaseTo = t.Partitions })], cancellationToken).ConfigureAwait(false);

        var retentionChanges = topics.Where(t => current.TryGetValue(t.Name, out var c) && c.RetentionMs != t.RetentionMs).ToList();
        if (retentionChanges.Count > 0)
        {
            // Incremental SET touches only retention.ms; a plain AlterConfigs would reset every other override of the topic.
            var changes = retentionChanges.ToDictionary(
                t => new ConfigResource { Type = ResourceType.Topic, Name = t.Name },
                t => new List<ConfigEntry> { new() { Name = KafkaTopicAdmin.RetentionMs, Value = Invariant(t.RetentionMs), IncrementalOperation = AlterConfigOpType.Set } });
            await admin.AlterConfigsAsync(changes, cancellationToken).ConfigureAwait(false);
        }

        var notes = topics.Where(t => current.TryGetValue(t.Name, out var c) && c.ReplicationFactor != t.ReplicationFactor)
            .Select(t => $"topic '{t.Name}' keeps replication factor {current[t.Name].ReplicationFactor} ({t.ReplicationFactor} asked): changing it needs a partition reassignment (kafka-reassign-partitions), which topics ensure does not do")
            .ToList();
        return new Outcome(
            [.. missing.Select(t => t.Name).Except(raced)],
            [.. topics.Where(t => current.ContainsKey(t.Name)).Select(t => t.Name).Concat(raced)],
            [.. increases.Select(t => $"{t.Name}: {current[t.Name].Partitions} -> {t.Partitions}")],
            [.. retentionChanges.Select(t => $"{t.Name}: {KafkaTopicAdmin.RetentionMs} {(current[t.Name].RetentionMs is { } was ? Invariant(was) : "unset")} -> {Invariant(t.RetentionMs)}")],
            notes);
    }

    private static TopicSpecification Specification(TopicSpec t) => new()
    {
        Name = t.Name,
        NumPartitions = t.Partitions,
        ReplicationFactor = t.ReplicationFactor,
        Configs = new Dictionary<string, string> { [KafkaTopicAdmin.RetentionMs] = Invariant(t.RetentionMs) },
    };

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The spec asks for something Kafka cannot do (fewer partitions); nothing was changed. Each problem says the fix.</summary>
public sealed class TopicsRefusedException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
