using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Persistence.Buses.Kafka;

/// <summary>What a topic looks like on the cluster: the facts `topics ensure` reconciles.</summary>
public sealed record TopicState(string Name, int Partitions, int ReplicationFactor, long? RetentionMs);

/// <summary>
/// The admin requests `topics ensure` makes, one Confluent.Kafka admin call each. An interface so the reconciliation
/// can be tested with a recording admin where librdkafka's mock cluster does not serve the request (it has no controller).
/// </summary>
public interface ITopicAdmin
{
    /// <summary>The topics that exist among <paramref name="names"/>; a missing topic is absent from the result.</summary>
    Task<IReadOnlyDictionary<string, TopicState>> DescribeAsync(IReadOnlyList<string> names, CancellationToken cancellationToken);

    /// <summary>Creates the topics; returns the names that already existed (a concurrent creation is not an error).</summary>
    Task<IReadOnlyList<string>> CreateAsync(IReadOnlyList<TopicSpecification> topics, CancellationToken cancellationToken);

    Task IncreasePartitionsAsync(IReadOnlyList<PartitionsSpecification> increases, CancellationToken cancellationToken);

    Task AlterConfigsAsync(Dictionary<ConfigResource, List<ConfigEntry>> changes, CancellationToken cancellationToken);
}

/// <summary><see cref="ITopicAdmin"/> over librdkafka's admin client.</summary>
public sealed class KafkaTopicAdmin(IAdminClient admin, TimeSpan timeout) : ITopicAdmin
{
    public const string RetentionMs = "retention.ms";

    public async Task<IReadOnlyDictionary<string, TopicState>> DescribeAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        List<TopicDescription> descriptions;
        try
        {
            var result = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames(names), new DescribeTopicsOptions { RequestTimeout = timeout })
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            descriptions = result.TopicDescriptions;
        }
        catch (DescribeTopicsException e)
        {
            // Reported per topic: an unknown topic is simply missing; any other error is not.
            var failed = e.Results.TopicDescriptions.Where(d => d.Error.Code is not (ErrorCode.NoError or ErrorCode.UnknownTopicOrPart)).ToList();
            if (failed.Count > 0) throw new BusUnavailableException("could not describe topics: " + string.Join("; ", failed.Select(d => $"{d.Name}: {d.Error.Reason}")));
            descriptions = [.. e.Results.TopicDescriptions.Where(d => d.Error.Code == ErrorCode.NoError)];
        }
        if (descriptions.Count == 0) return new Dictionary<string, TopicState>();

        var resources = descriptions.Select(d => new ConfigResource { Type = ResourceType.Topic, Name = d.Name }).ToList();
        var configs = await admin.DescribeConfigsAsync(resources, new DescribeConfigsOptions { RequestTimeout = timeout }).WaitAsync(cancellationToken).ConfigureAwait(false);
        var retention = configs.ToDictionary(c => c.ConfigResource.Name,
            c => c.Entries.TryGetValue(RetentionMs, out var entry) && long.TryParse(entry.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? ms : (long?)null);
        return descriptions.ToDictionary(d => d.Name, d => new TopicState(d.Name, d.Partitions.Count,
            d.Partitions.Count == 0 ? 0 : d.Partitions.Max(p => p.Replicas.Count), retention.GetValueOrDefault(d.Name)));
    }

    public async Task<IReadOnlyList<string>> CreateAsync(IReadOnlyList<TopicSpecification> topics, CancellationToken cancellationToken)
    {
        try
        {
            await admin.CreateTopicsAsync(topics, new CreateTopicsOptions { RequestTimeout = timeout }).WaitAsync(cancellationToken).ConfigureAwait(false);
            return [];
        }
        catch (CreateTopicsException e)
        {
            var failed = e.Results.Where(r => r.Error.Code is not (ErrorCode.NoError or ErrorCode.TopicAlreadyExists)).ToList();
            if (failed.Count > 0) throw new BusUnavailableException("could not create topics: " + string.Join("; ", failed.Select(r => $"{r.Topic}: {r.Error.Reason}")));
            return [.. e.Results.Where(r => r.Error.Code == ErrorCode.TopicAlreadyExists).Select(r => r.Topic)];
        }
    }

    public async Task IncreasePartitionsAsync(IReadOnlyList<PartitionsSpecification> increases, CancellationToken cancellationToken)
    {
        try
        {
            await admin.CreatePartitionsAsync(increases, new CreatePartitionsOptions { RequestTimeout = timeout }).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CreatePartitionsException e)
        {
            throw new BusUnavailableException("could not add partitions: " + string.Join("; ", e.Results.Where(r => r.Error.IsError).Select(r => $"{r.Topic}: {r.Error.Reason}")));
        }
    }

    public async Task AlterConfigsAsync(Dictionary<ConfigResource, List<ConfigEntry>> changes, CancellationToken cancellationToken)
    {
        try
        {
            await admin.IncrementalAlterConfigsAsync(changes, new IncrementalAlterConfigsOptions { RequestTimeout = timeout }).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IncrementalAlterConfigsException e)
        {
            throw new BusUnavailableException("could not alter topic configs: " + string.Join("; ", e.Results.Where(r => r.Error.IsError).Select(r => $"{r.ConfigResource.Name}: {r.Error.Reason}")));
        }
    }
}
