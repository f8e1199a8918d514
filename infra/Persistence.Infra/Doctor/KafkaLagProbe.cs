using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Persistence.Buses.Kafka;

namespace Persistence.Infra.Doctor;

/// <summary>
/// A consumer group's lag per partition: the topic's high watermark minus the group's committed offset (the low
/// watermark where it has committed nothing), from the admin client, sampled twice to tell growing from draining.
/// </summary>
public sealed class KafkaLagProbe(KafkaBusOptions options)
{
    public async Task<QueueReport> ProbeAsync(string topic, string group, TimeSpan interval, CancellationToken cancel)
    {
        var source = $"kafka {topic} (group {group})";
        try
        {
            var first = await SampleAsync(topic, group, cancel).ConfigureAwait(false);
            // No interval, no trend: one sample cannot tell growing from draining.
            if (interval <= TimeSpan.Zero) return new QueueReport(source, "ok", first.Values.Sum(), first.Values.Sum(), null, first);
            await Task.Delay(interval, cancel).ConfigureAwait(false);
            var second = await SampleAsync(topic, group, cancel).ConfigureAwait(false);
            long a = first.Values.Sum(), b = second.Values.Sum();
            return new QueueReport(source, "ok", a, b, Trend(a, b), second);
        }
        catch (Exception e) when (e is KafkaException or BusUnavailableException or InvalidOperationException)
        {
            return new QueueReport(source, $"not reachable: {e.Message}", null, null, null, null);
        }
    }

    public static string Trend(long first, long second) => second > first ? "growing" : second < first ? "shrinking" : "steady";

    private async Task<SortedDictionary<string, long>> SampleAsync(string topic, string group, CancellationToken cancel)
    {
        var config = options.ClientConfig();
        using var admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        var found = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
        if (found is null || found.Error.IsError || found.Partitions.Count == 0)
            throw new BusUnavailableException($"topic {topic} does not exist ({found?.Error.Reason ?? "not in the metadata"})");
        var partitions = found.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var committed = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, partitions)],
                new ListConsumerGroupOffsetsOptions { RequestTimeout = TimeSpan.FromSeconds(10) }).ConfigureAwait(false))
            .SelectMany(g => g.Partitions).ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(new ConsumerConfig(config) { GroupId = group }).SetLogHandler((_, _) => { }).Build();
        var lag = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var tp in partitions)
        {
            cancel.ThrowIfCancellationRequested();
            var marks = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
            var at = committed.TryGetValue(tp, out var c) && c >= 0 ? c : marks.Low.Value;
            lag[$"{topic}/{tp.Partition.Value}"] = Math.Max(0, marks.High.Value - at);
        }
        return lag;
    }
}
