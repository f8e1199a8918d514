using System.Text;
using Confluent.Kafka;
using Persistence.Runtime.Bus;

namespace Persistence.Buses.Kafka.Dlq;

/// <summary>
/// Reads the DLQ topic in a replay consumer group, from the group's committed offsets (else the beginning) up to the
/// high watermarks seen at the start, so a run ends even while new dead letters arrive. The committed offset of a
/// partition moves only over acknowledged dead letters in a row: a released one (left out by a filter) holds it, so
/// it is read again by the next run, and nothing after it is ever skipped.
/// </summary>
public sealed class KafkaDeadLetterReader : IDeadLetterReader
{
    private readonly IConsumer<byte[]?, byte[]> _consumer;
    private readonly Dictionary<TopicPartition, long> _end = [];
    private readonly Dictionary<TopicPartition, SortedDictionary<long, bool>> _read = [];
    private readonly HashSet<TopicPartition> _done = [];

    public KafkaDeadLetterReader(KafkaBusOptions options, string topic, string group)
    {
        Name = $"{topic} (group {group})";
        var client = options.ClientConfig();
        using (var admin = new AdminClientBuilder(client).Build())
        {
            var metadata = Metadata(admin, topic, options.BootstrapServers);
            var partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
            _consumer = new ConsumerBuilder<byte[]?, byte[]>(new ConsumerConfig(client)
            {
                GroupId = group,
                EnableAutoCommit = false,
                EnableAutoOffsetStore = false,
                AutoOffsetReset = AutoOffsetReset.Earliest,
            }).SetLogHandler((_, _) => { }).Build();
            var committed = _consumer.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.TopicPartition, c => c.Offset);
            var start = new List<TopicPartitionOffset>();
            foreach (var tp in partitions)
            {
                var marks = _consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
                var from = committed.TryGetValue(tp, out var c) && c.Value >= 0 ? c.Value : marks.Low.Value;
                _end[tp] = marks.High.Value;
                _read[tp] = [];
                if (from >= marks.High.Value) _done.Add(tp);
                else start.Add(new TopicPartitionOffset(tp, new Offset(from)));
            }
            _consumer.Assign(start);
        }
    }

    public string Name { get; }

    public async ValueTask<DeadLetter?> NextAsync(CancellationToken cancellationToken)
    {
        while (_done.Count < _end.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = await Task.Run(() => _consumer.Consume(TimeSpan.FromMilliseconds(500)), cancellationToken).ConfigureAwait(false);
            if (result is null || result.IsPartitionEOF)
            {
                // Gaps (compaction, control records) never reach end-1; the position says the partition is read.
                foreach (var tp in _end.Keys.Where(tp => !_done.Contains(tp)).ToList())
                    if (_consumer.Position(tp).Value >= _end[tp]) Finish(tp);
                continue;
            }
            var partition = result.TopicPartition;
            if (result.Offset.Value >= _end[partition]) { Finish(partition); continue; }
            _read[partition][result.Offset.Value] = false;
            if (result.Offset.Value + 1 >= _end[partition]) Finish(partition);
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var header in result.Message.Headers ?? [])
                attributes[header.Key] = Encoding.UTF8.GetString(header.GetValueBytes());
            var at = result.Message.Timestamp.Type == TimestampType.NotAvailable ? (DateTimeOffset?)null : new DateTimeOffset(result.Message.Timestamp.UtcDateTime, TimeSpan.Zero);
            return new DeadLetter($"{partition.Topic}/{partition.Partition.Value}@{result.Offset.Value}", result.Message.Value, attributes, at)
            {
                Handle = result.TopicPartitionOffset,
            };
        }
        return null;
    }

    public ValueTask AckAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        var at = (TopicPartitionOffset)letter.Handle!;
        var read = _read[at.TopicPartition];
        read[at.Offset.Value] = true;
        // Commit past the acknowledged dead letters in a row from the oldest read; stop at the first unsettled one.
        long? commit = null;
        foreach (var (offset, acked) in read)
        {
            if (!acked) break;
            commit = offset + 1;
        }
        if (commit is { } next)
        {
            _consumer.Commit([new TopicPartitionOffset(at.TopicPartition, new Offset(next))]);
            foreach (var offset in read.Keys.Where(o => o < next).ToList()) read.Remove(offset);
        }
        return ValueTask.CompletedTask;
    }

    // A released dead letter stays unacknowledged: it holds the committed offset, so the next run reads it again.
    public ValueTask ReleaseAsync(DeadLetter letter, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>On Kafka the original message id is "topic/partition@offset": the topic is its first part.</summary>
    public ValueTask<string?> OriginTopicAsync(string source, string originalMessageId, CancellationToken cancellationToken)
    {
        var slash = originalMessageId.LastIndexOf('/');
        return ValueTask.FromResult(slash > 0 && originalMessageId.IndexOf('@', slash) > slash ? originalMessageId[..slash] : null);
    }

    /// <summary>How many dead letters the topic holds (high minus low watermark, summed), and each partition's.</summary>
    public static IReadOnlyDictionary<int, long> Depth(KafkaBusOptions options, string topic)
    {
        using var admin = new AdminClientBuilder(options.ClientConfig()).Build();
        var metadata = Metadata(admin, topic, options.BootstrapServers);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(new ConsumerConfig(options.ClientConfig()) { GroupId = "persistence-dlq-depth" }).SetLogHandler((_, _) => { }).Build();
        return metadata.Partitions.ToDictionary(p => p.PartitionId, p =>
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), TimeSpan.FromSeconds(10));
            return marks.High.Value - marks.Low.Value;
        });
    }

    private void Finish(TopicPartition tp) => _done.Add(tp);

    private static TopicMetadata Metadata(IAdminClient admin, string topic, string servers)
    {
        Metadata metadata;
        try { metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)); }
        catch (KafkaException e) { throw new BusUnavailableException($"Kafka at {servers} not reachable reading the DLQ topic {topic}: {e.Error.Reason}. Check Bus:Kafka:BootstrapServers and the credentials."); }
        var found = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
        if (found is null || found.Error.IsError || found.Partitions.Count == 0)
            throw new BusUnavailableException($"the DLQ topic {topic} does not exist at {servers} ({found?.Error.Reason ?? "not in the metadata"}). Check Bus:DeadLetterTopic / --dlq.");
        return found;
    }

    public ValueTask DisposeAsync()
    {
        _consumer.Close();
        _consumer.Dispose();
        return ValueTask.CompletedTask;
    }
}
