using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Persistence.Buses.Kafka;

/// <summary>
/// Creates the bus topics and the DLQ when missing; an existing topic is left as it is. Run inside the
/// cluster (a Kubernetes Job) where MSK is reachable: `persistence-writer topics ensure`.
/// </summary>
public static class TopicsEnsure
{
    public sealed record TopicSpec(string Name, int Partitions, short ReplicationFactor, long RetentionMs);

    public sealed record Outcome(IReadOnlyList<string> Created, IReadOnlyList<string> Present);

    public static async Task<Outcome> RunAsync(KafkaBusOptions options, IReadOnlyList<TopicSpec> topics, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        // librdkafka's own connection chatter is dropped: a failure is reported once, below, with what to check.
        using var admin = new AdminClientBuilder(new AdminClientConfig(options.ClientConfig())).SetLogHandler((_, _) => { }).Build();
        var specs = topics.Select(t => new TopicSpecification
        {
            Name = t.Name,
            NumPartitions = t.Partitions,
            ReplicationFactor = t.ReplicationFactor,
            Configs = new Dictionary<string, string> { ["retention.ms"] = t.RetentionMs.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        }).ToList();
        try
        {
            await admin.CreateTopicsAsync(specs, new CreateTopicsOptions { RequestTimeout = timeout ?? TimeSpan.FromSeconds(30) }).WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Outcome([.. topics.Select(t => t.Name)], []);
        }
        catch (CreateTopicsException e)
        {
            var failed = e.Results.Where(r => r.Error.Code is not (ErrorCode.NoError or ErrorCode.TopicAlreadyExists)).ToList();
            if (failed.Count > 0)
                throw new BusUnavailableException($"could not create topics at {options.BootstrapServers}: " +
                    string.Join("; ", failed.Select(r => $"{r.Topic}: {r.Error.Reason}")));
            return new Outcome(
                [.. e.Results.Where(r => r.Error.Code == ErrorCode.NoError).Select(r => r.Topic)],
                [.. e.Results.Where(r => r.Error.Code == ErrorCode.TopicAlreadyExists).Select(r => r.Topic)]);
        }
        catch (KafkaException e) when (e is not CreateTopicsException)
        {
            throw new BusUnavailableException($"could not reach Kafka at {options.BootstrapServers} to create topics: {e.Error.Reason}. " +
                $"Check {Persistence.Contracts.SettingNames.Bus.KafkaBootstrapServers}, the security protocol and the network path from this pod.");
        }
    }
}
