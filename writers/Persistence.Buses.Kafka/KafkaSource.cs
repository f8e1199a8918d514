using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Persistence.Runtime.Bus;

namespace Persistence.Buses.Kafka;

/// <summary>
/// One consumer in a writer's consumer group. A poll thread keeps the group membership alive and hands
/// messages over through a small buffer; when the writer stops taking (its byte budget is full) the buffer
/// fills, the poll thread stops fetching, and if the stall lasts the partitions are paused rather than buffered. Offsets are committed only up to the first
/// unsettled message of each partition; on revoke, what is done is committed and the rest is dropped.
/// </summary>
public sealed class KafkaSource : IMessageSource, IPartitionedBacklog
{
    private readonly IConsumer<byte[]?, byte[]> _consumer;
    private readonly Channel<Delivery> _handoff;
    private readonly ConcurrentDictionary<TopicPartition, PartitionTracker> _partitions = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly Thread _poller;
    private readonly KafkaBusOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<TopicPartition, long> _lag = new();
    // The group's committed offset when a partition was assigned, asked once (lag before anything is settled).
    private readonly ConcurrentDictionary<TopicPartition, long> _startOffsets = new();
    private volatile string? _fatal;
    private string? _lastError;
    private DateTime _lastContact = DateTime.UtcNow;
    private bool _paused;
    private int _pausedCount;

    public KafkaSource(string topic, string group, KafkaBusOptions options, ILogger logger)
    {
        Name = group;
        _options = options;
        _logger = logger;
        _handoff = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(Math.Max(1, options.PrefetchMessages)) { SingleReader = true, SingleWriter = true });
        var config = new ConsumerConfig(options.ClientConfig())
        {
            GroupId = group,
            // Offsets are stored only once settled (below the first unsettled message) and librdkafka commits the
            // stored ones in the background every second: the poll thread never waits for a commit round trip.
            // Revoke and close still commit synchronously.
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 1000,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Bound librdkafka's own prefetch too, so memory stays within the writer's budget.
            QueuedMaxMessagesKbytes = 16 * 1024,
            FetchMaxBytes = 8 << 20,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            SessionTimeoutMs = options.SessionTimeoutMs,
            HeartbeatIntervalMs = Math.Max(500, options.SessionTimeoutMs / 5),
        };
        _consumer = new ConsumerBuilder<byte[]?, byte[]>(config)
            .SetErrorHandler((_, e) => OnError(e))
            // librdkafka's chatter goes to the writer's log at debug; errors surface through OnError once.
            .SetLogHandler((_, m) => _logger.LogDebug("{Group}: librdkafka {Facility}: {Message}", Name, m.Facility, m.Message))
            .SetPartitionsAssignedHandler((_, assigned) => { foreach (var tp in assigned) _partitions.TryAdd(tp, new PartitionTracker()); Contact(); })
            .SetPartitionsRevokedHandler((c, revoked) => Revoke(c, revoked.Select(r => r.TopicPartition)))
            .SetPartitionsLostHandler((c, lost) => Revoke(c, lost.Select(r => r.TopicPartition), commit: false))
            .Build();
        _consumer.Subscribe(topic);
        _poller = new Thread(Poll) { IsBackground = true, Name = $"kafka-poll-{group}" };
        _poller.Start();
    }

    public string Name { get; }

    /// <summary>Sum of per-partition lag (high watermark minus committed position) as last seen.</summary>
    public long? Backlog => _lag.IsEmpty ? null : _lag.Values.Sum();

    public IReadOnlyDictionary<TopicPartition, long> LagByPartition => _lag;

    public IReadOnlyDictionary<string, long> BacklogByPartition => _lag.ToDictionary(l => $"{l.Key.Topic}/{l.Key.Partition.Value}", l => l.Value, StringComparer.Ordinal);

    public async ValueTask<IDelivery> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_fatal is { } fatal) throw new BusUnavailableException(fatal);
            cancellationToken.ThrowIfCancellationRequested();
            // Fast path: a message is waiting, so no timer and no linked token source per receive.
            if (_handoff.Reader.TryRead(out var ready))
            {
                if (IsCurrent(ready)) return ready;
                continue;
            }
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
            either.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                // Wait only; the next turn takes the message through the fast path.
                await _handoff.Reader.WaitToReadAsync(either.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_closing.IsCancellationRequested)
            {
                CheckReachable();
            }
        }
    }

    public bool TryReceive([NotNullWhen(true)] out IDelivery? delivery)
    {
        // A failure is left for ReceiveAsync to report.
        while (_fatal is null && _handoff.Reader.TryRead(out var ready))
        {
            if (!IsCurrent(ready)) continue;
            delivery = ready;
            return true;
        }
        delivery = null;
        return false;
    }

    /// <summary>A message of a partition revoked or rewound since it was fetched is stale.</summary>
    private bool IsCurrent(Delivery delivery)
    {
        lock (_gate)
            return _partitions.TryGetValue(delivery.Partition, out var tracker) && tracker.Generation == delivery.Generation;
    }

    /// <summary>How long the hand-off may stay full before the assignment is paused.</summary>
    private static readonly TimeSpan PauseAfter = TimeSpan.FromSeconds(2);

    private void Poll()
    {
        var nextCommit = DateTime.UtcNow;
        // Fetched but not yet taken by the writer. Nothing more is consumed while it is non-empty (unless the
        // assignment is paused), so it holds one message plus whatever a paused fetch still returns.
        var overflow = new Queue<Delivery>();
        DateTime? fullSince = null;
        while (!_closing.IsCancellationRequested)
        {
            try
            {
                while (overflow.Count > 0 && _handoff.Writer.TryWrite(overflow.Peek())) overflow.Dequeue();
                if (overflow.Count == 0)
                {
                    fullSince = null;
                    SetPaused(false);
                }
                else
                {
                    // The writer is not taking (its budget is full). A short stall is ordinary flow control: wait for
                    // room without fetching more. Pausing drops librdkafka's prefetched data and resuming fetches it
                    // again (the cost that made the buffer's every fill a stall), so the assignment is paused only
                    // when the stall lasts; then Consume keeps the group membership (max.poll.interval.ms) and
                    // serves rebalances.
                    fullSince ??= DateTime.UtcNow;
                    if (!_paused && DateTime.UtcNow - fullSince < PauseAfter)
                    {
                        WaitForRoom(TimeSpan.FromMilliseconds(50));
                        MaybeCommit(ref nextCommit);
                        continue;
                    }
                    SetPaused(true);
                    WaitForRoom(TimeSpan.FromMilliseconds(50));
                }
                var result = _consumer.Consume(overflow.Count > 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(100));
                if (result is { IsPartitionEOF: false, Message: not null })
                {
                    Contact();
                    lock (_gate)
                    {
                        if (_partitions.TryGetValue(result.TopicPartition, out var tracker))
                        {
                            tracker.Received(result.Offset.Value);
                            var delivery = new Delivery(this, result, tracker.Generation);
                            if (overflow.Count > 0 || !_handoff.Writer.TryWrite(delivery)) overflow.Enqueue(delivery);
                        }
                    }
                }
                MaybeCommit(ref nextCommit);
            }
            catch (ConsumeException e)
            {
                OnError(e.Error);
            }
            catch (KafkaException e) when (!_closing.IsCancellationRequested)
            {
                OnError(e.Error);
            }
        }
    }

    private void WaitForRoom(TimeSpan atMost)
    {
        try { _handoff.Writer.WaitToWriteAsync(_closing.Token).AsTask().Wait(atMost); }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException) { }
    }

    private void MaybeCommit(ref DateTime nextCommit)
    {
        if (DateTime.UtcNow < nextCommit) return;
        StoreSettled();
        UpdateLag();
        nextCommit = DateTime.UtcNow.AddSeconds(1);
    }

    private void SetPaused(bool pause)
    {
        // While paused, partitions assigned since (a rebalance) are paused too, so the overflow stays small.
        if (pause == _paused && (!pause || _consumer.Assignment.Count == _pausedCount)) return;
        var assignment = _consumer.Assignment;
        if (pause) _consumer.Pause(assignment); else _consumer.Resume(assignment);
        _paused = pause;
        _pausedCount = pause ? assignment.Count : 0;
    }

    private void Settle(Delivery delivery, bool redeliver)
    {
        lock (_gate)
        {
            if (!_partitions.TryGetValue(delivery.Partition, out var tracker) || tracker.Generation != delivery.Generation)
                return; // revoked or rewound: another consumer or a redelivery owns it now
            if (!redeliver)
            {
                tracker.Settled(delivery.Offset);
                return;
            }
            tracker.Rewind(delivery.Offset);
            _consumer.Seek(new TopicPartitionOffset(delivery.Partition, delivery.Offset));
        }
    }

    private void CommitSettled(IConsumer<byte[]?, byte[]> consumer, IEnumerable<TopicPartition>? only = null)
    {
        List<TopicPartitionOffset> offsets;
        lock (_gate)
        {
            offsets = (only ?? _partitions.Keys).Where(_partitions.ContainsKey)
                // Everything settled, whether or not the background commit already took it: this commit must not miss any.
                .Select(tp => (tp, next: _partitions[tp].Position()))
                .Where(x => x.next is not null)
                .Select(x => new TopicPartitionOffset(x.tp, x.next!.Value)).ToList();
        }
        if (offsets.Count == 0) return;
        try
        {
            consumer.Commit(offsets);
            lock (_gate)
                foreach (var o in offsets)
                    if (_partitions.TryGetValue(o.TopicPartition, out var tracker)) tracker.MarkCommitted(o.Offset.Value);
        }
        catch (KafkaException e)
        {
            _logger.LogWarning("{Group}: commit failed, will retry: {Error}", Name, e.Error.Reason);
        }
    }

    private void Revoke(IConsumer<byte[]?, byte[]> consumer, IEnumerable<TopicPartition> partitions, bool commit = true)
    {
        var list = partitions.ToList();
        if (commit) CommitSettled(consumer, list);
        lock (_gate)
            foreach (var tp in list)
            {
                _partitions.TryRemove(tp, out _);
                _lag.TryRemove(tp, out _);
                _startOffsets.TryRemove(tp, out _);
            }
    }

    /// <summary>Hands the committable offsets to librdkafka's background commit; no round trip here.</summary>
    private void StoreSettled()
    {
        lock (_gate)
            foreach (var (tp, tracker) in _partitions)
                if (tracker.Committable() is { } next)
                {
                    try
                    {
                        _consumer.StoreOffset(new TopicPartitionOffset(tp, next));
                        tracker.MarkCommitted(next);
                    }
                    catch (KafkaException e)
                    {
                        _logger.LogDebug("{Group}: offset not stored for {Partition}: {Error}", Name, tp, e.Error.Reason);
                    }
                }
    }

    private void UpdateLag()
    {
        // Lag = high watermark - committed position. Both come without a broker round trip where possible: the
        // high watermark from the last fetch (asked for only when a partition paused before its first fetch has
        // none), the position from what this consumer settled, else (once per assignment) the group's commit.
        var partitions = _partitions.Keys.ToList();
        if (partitions.Count == 0) return;
        try
        {
            var unknown = partitions.Where(tp => !_startOffsets.ContainsKey(tp)).ToList();
            if (unknown.Count > 0)
                foreach (var c in _consumer.Committed(unknown, TimeSpan.FromSeconds(1)))
                    _startOffsets[c.TopicPartition] = Math.Max(c.Offset.Value, 0);
            foreach (var tp in partitions)
            {
                var high = _consumer.GetWatermarkOffsets(tp).High;
                if (high == Offset.Unset) high = _consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(1)).High;
                if (high == Offset.Unset) continue;
                var committed = Math.Max(_partitions.TryGetValue(tp, out var tracker) ? tracker.Committed : 0, _startOffsets.GetValueOrDefault(tp));
                _lag[tp] = Math.Max(0, high.Value - committed);
            }
        }
        catch (KafkaException e)
        {
            _logger.LogDebug("{Group}: lag not updated: {Error}", Name, e.Error.Reason);
        }
    }

    private void Contact()
    {
        _lastContact = DateTime.UtcNow;
        _lastError = null;
    }

    private void OnError(Error error)
    {
        _lastError = error.Reason;
        if (error.IsFatal || error.Code is ErrorCode.SaslAuthenticationFailed or ErrorCode.TopicAuthorizationFailed or ErrorCode.GroupAuthorizationFailed)
            _fatal = $"Kafka at {_options.BootstrapServers} refused consumer group {Name}" +
                     (_options.SaslUser.Length > 0 ? $" (user {_options.SaslUser}, {_options.SaslMechanism})" : "") +
                     $": {error.Reason}. Check {Persistence.Contracts.SettingNames.Bus.KafkaSaslSecretPath} and the ACLs.";
        else
            _logger.LogWarning("{Group}: Kafka error {Code}: {Reason}", Name, error.Code, error.Reason);
    }

    private void CheckReachable()
    {
        if (!_partitions.IsEmpty || _lastError is null) return;
        if (DateTime.UtcNow - _lastContact > TimeSpan.FromSeconds(_options.UnreachableTimeoutSeconds))
            throw new BusUnavailableException(
                $"Kafka at {_options.BootstrapServers} not reachable for {_options.UnreachableTimeoutSeconds}s (consumer group {Name}): {_lastError}. " +
                $"Check {Persistence.Contracts.SettingNames.Bus.KafkaBootstrapServers} and {Persistence.Contracts.SettingNames.Bus.KafkaSecurityProtocol}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_closing.IsCancellationRequested) return;
        await _closing.CancelAsync().ConfigureAwait(false);
        _poller.Join(TimeSpan.FromSeconds(10));
        CommitSettled(_consumer);
        try { _consumer.Close(); } catch (KafkaException) { }
        _consumer.Dispose();
    }

    private sealed class Delivery(KafkaSource source, ConsumeResult<byte[]?, byte[]> result, int generation) : IDelivery
    {
        public TopicPartition Partition { get; } = result.TopicPartition;
        public long Offset { get; } = result.Offset.Value;
        public int Generation => generation;

        public InboundMessage Message { get; } = new(
            $"{result.Topic}/{result.Partition.Value}@{result.Offset.Value}",
            result.Message.Value ?? [],
            Attributes(result.Message.Headers));

        private static IReadOnlyDictionary<string, string> Attributes(Headers? headers)
        {
            if (headers is null || headers.Count == 0) return InboundMessage.NoAttributes;
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var header in headers) attributes[header.Key] = Encoding.UTF8.GetString(header.GetValueBytes()); // last wins
            return attributes;
        }

        public ValueTask AckAsync(CancellationToken cancellationToken) { source.Settle(this, redeliver: false); return ValueTask.CompletedTask; }
        public ValueTask NackAsync(CancellationToken cancellationToken) { source.Settle(this, redeliver: true); return ValueTask.CompletedTask; }
    }
}
