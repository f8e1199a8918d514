using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Grpc.Core;
using Persistence.Buses.PubSub.V1;
using Persistence.Runtime.Bus;

namespace Persistence.Buses.PubSub;

/// <summary>
/// A StreamingPull subscriber. Pub/Sub's flow control (max outstanding messages and bytes) bounds what it sends.
/// Every received message is held under a short lease (<see cref="PubSubBusOptions.LeaseSeconds"/>) that is
/// extended every third of it until the message is acknowledged, however long it waits for the writer's budget:
/// held messages wait leased, never nacked, so backpressure costs no delivery attempt. A crash leaves leases that
/// run out within seconds, not after the subscription's ack deadline. A nack (or closing) sets the deadline to zero
/// so the message is redelivered at once. Acks and lease extensions are sent in batches, independently: a refused
/// (stale) ack id is dropped instead of blocking the others, and a failed extension never stops acknowledging.
/// </summary>
public sealed class PubSubSource : IMessageSource
{
    private const int MaxIdsPerRequest = 1000;
    // Our clock for a lease starts when its response arrives, after the server's: a lease this close to running out
    // by ours may have run out by the server's, so it counts as lost.
    private static readonly TimeSpan ServerClockMargin = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Unreachable = TimeSpan.FromSeconds(30);
    private readonly PubSubBus _bus;
    private readonly string _setting;
    private readonly Channel<Delivery> _received = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
    // Ack id -> when its lease runs out. An entry past that time is a lost lease: Pub/Sub redelivers the message.
    private readonly ConcurrentDictionary<string, DateTime> _leases = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _toAck = new();
    private readonly CancellationTokenSource _closing = new();
    // One id per source, kept across reconnects: Pub/Sub tells client instances apart by it. (A stable id across
    // restarts would let the server hand a dead stream's state over, but the emulator ignores it, so it is unverified.)
    private readonly string _clientId = $"{Environment.MachineName}-{Guid.NewGuid():N}";
    private Task? _pulling;
    private AsyncDuplexStreamingCall<StreamingPullRequest, StreamingPullResponse>? _stream;
    private Task? _housekeeping;
    private volatile string? _fatal;
    private volatile bool _stopping;
    private long _receivedCount, _redelivered, _maxAttempt, _leasesLost, _acksRefused, _acksSkipped;

    /// <param name="setting">Where the subscription was configured (e.g. Writer:Subscription), named when Pub/Sub refuses it.</param>
    public PubSubSource(PubSubBus bus, string subscriptionPath, string setting = SourceAddress.WriterSubscriptionSetting)
    {
        _bus = bus;
        Name = subscriptionPath;
        _setting = setting;
    }

    public string Name { get; }

    /// <summary>Pub/Sub does not tell a subscriber its backlog cheaply; KEDA reads it from Cloud Monitoring.</summary>
    public long? Backlog => null;

    /// <summary>What delivery looked like from here: redeliveries, the highest delivery attempt seen, leases lost.</summary>
    public PubSubSourceStats Stats => new(Interlocked.Read(ref _receivedCount), Interlocked.Read(ref _redelivered),
        (int)Interlocked.Read(ref _maxAttempt), Interlocked.Read(ref _leasesLost), Interlocked.Read(ref _acksRefused), _leases.Count, Interlocked.Read(ref _acksSkipped));

    private TimeSpan Lease => TimeSpan.FromSeconds(_bus.Options.LeaseSeconds);

    public async ValueTask<IDelivery> ReceiveAsync(CancellationToken cancellationToken)
    {
        _pulling ??= Task.Run(PullAsync);
        _housekeeping ??= Task.Run(HousekeepAsync);
        while (true)
        {
            if (_fatal is { } fatal) throw new PubSubUnavailableException(fatal);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                return await _received.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
        }
    }

    /// <summary>A message already received from the stream, without waiting; a failure is left for ReceiveAsync to report.</summary>
    public bool TryReceive([NotNullWhen(true)] out IDelivery? delivery)
    {
        delivery = null;
        if (_fatal is not null || !_received.Reader.TryRead(out var received)) return false;
        delivery = received;
        return true;
    }

    private async Task PullAsync()
    {
        var failingSince = (DateTime?)null;
        while (!_closing.IsCancellationRequested && !_stopping)
        {
            try
            {
                using var call = _bus.Subscriber.StreamingPull(cancellationToken: _closing.Token);
                _stream = call;
                await call.RequestStream.WriteAsync(new StreamingPullRequest
                {
                    Subscription = Name,
                    // Messages arrive leased for this long; the housekeeper extends them by as much every third of it.
                    StreamAckDeadlineSeconds = _bus.Options.LeaseSeconds,
                    MaxOutstandingMessages = _bus.Options.MaxOutstandingMessages,
                    MaxOutstandingBytes = _bus.Options.MaxOutstandingBytes,
                    ClientId = _clientId,
                }).ConfigureAwait(false);
                await foreach (var response in call.ResponseStream.ReadAllAsync(_closing.Token).ConfigureAwait(false))
                {
                    failingSince = null;
                    var expires = DateTime.UtcNow + Lease;
                    foreach (var received in response.ReceivedMessages)
                    {
                        _leases[received.AckId] = expires;
                        Observe(received.DeliveryAttempt);
                        _received.Writer.TryWrite(new Delivery(this, received));
                    }
                }
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.NotFound)
            {
                _fatal = $"Pub/Sub at {_bus.Address} has no subscription {Name} ({e.Status.Detail}). It comes from {_setting} and " +
                         $"{Persistence.Contracts.SettingNames.Bus.PubSubProjectId}: set them to a subscription that exists (the stack creates one per writer).";
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.InvalidArgument)
            {
                _fatal = $"Pub/Sub at {_bus.Address} refused {Name}: {e.Status.Detail} ({e.StatusCode}). Check {_setting}, {Persistence.Contracts.SettingNames.Bus.PubSubProjectId} and the service account's roles.";
                return;
            }
            catch (RpcException e) when (!_closing.IsCancellationRequested)
            {
                failingSince ??= DateTime.UtcNow;
                if (DateTime.UtcNow - failingSince > Unreachable)
                {
                    _fatal = $"Pub/Sub at {_bus.Address} not reachable for {Unreachable.TotalSeconds:F0}s ({Name}): {e.Status.Detail} ({e.StatusCode}). Check {Persistence.Contracts.SettingNames.Bus.PubSubEmulatorHost} or the network path.";
                    return;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_closing.IsCancellationRequested) { return; }
        }
    }

    private void Observe(int deliveryAttempt)
    {
        Interlocked.Increment(ref _receivedCount);
        if (deliveryAttempt > 1) Interlocked.Increment(ref _redelivered);
        long seen;
        while (deliveryAttempt > (seen = Interlocked.Read(ref _maxAttempt)) && Interlocked.CompareExchange(ref _maxAttempt, deliveryAttempt, seen) != seen) { }
    }

    /// <summary>Flushes acks often and extends every lease when a third of it has passed; each on its own, so neither blocks the other.</summary>
    private async Task HousekeepAsync()
    {
        while (!_closing.IsCancellationRequested)
        {
            try { await FlushAcksAsync().ConfigureAwait(false); }
            catch (RpcException) { } // transient: the ids were put back and go out next round
            try { await ExtendLeasesAsync().ConfigureAwait(false); }
            catch (RpcException) { } // retried next round, well before the leases run out
            try { await Task.Delay(50, _closing.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task ExtendLeasesAsync()
    {
        var now = DateTime.UtcNow;
        var due = new List<string>();
        foreach (var (ackId, expires) in _leases)
        {
            if (!IsLive(expires, now))
            {
                // Missed: Pub/Sub has already redelivered it under a new ack id; extending this one would only be refused.
                if (_leases.TryRemove(ackId, out _)) Interlocked.Increment(ref _leasesLost);
            }
            else if (expires - now <= Lease * 2 / 3) due.Add(ackId);
        }
        foreach (var chunk in due.Chunk(MaxIdsPerRequest))
        {
            await ModifyAsync(chunk, _bus.Options.LeaseSeconds).ConfigureAwait(false);
            var extended = DateTime.UtcNow + Lease;
            foreach (var ackId in chunk) _leases.TryUpdate(ackId, extended, _leases.GetValueOrDefault(ackId));
        }
    }

    private async Task FlushAcksAsync()
    {
        while (true)
        {
            var ids = new List<string>();
            var now = DateTime.UtcNow;
            while (ids.Count < MaxIdsPerRequest && _toAck.TryDequeue(out var id))
            {
                if (_leases.TryGetValue(id, out var expires) && IsLive(expires, now)) ids.Add(id);
                else SkipAck(id);
            }
            if (ids.Count == 0) return;
            await AcknowledgeAsync(ids).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Acknowledges, and stops leasing, the ids. A transient failure puts them back for the next round; a refusal
    /// (an ack id Pub/Sub no longer knows, e.g. after its lease ran out) is split until the refused ids are alone,
    /// and those are dropped: the message was redelivered and its new delivery is acknowledged on its own.
    /// </summary>
    private async Task AcknowledgeAsync(IReadOnlyList<string> ids)
    {
        try
        {
            await _bus.Subscriber.AcknowledgeAsync(new AcknowledgeRequest { Subscription = Name, AckIds = { ids } }).ResponseAsync.ConfigureAwait(false);
            foreach (var id in ids) _leases.TryRemove(id, out _);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
        {
            if (ids.Count == 1)
            {
                _leases.TryRemove(ids[0], out _);
                Interlocked.Increment(ref _acksRefused);
                return;
            }
            var half = ids.Count / 2;
            await AcknowledgeAsync([.. ids.Take(half)]).ConfigureAwait(false);
            await AcknowledgeAsync([.. ids.Skip(half)]).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            foreach (var id in ids) _toAck.Enqueue(id);
            throw;
        }
    }

    private static bool IsLive(DateTime expires, DateTime now) => expires - ServerClockMargin > now;

    /// <summary>
    /// A message whose lease ran out is not acknowledged: it was (or is about to be) redelivered under a new ack id,
    /// and that delivery is written again (writers are idempotent) and acknowledged. Acknowledging the stale id would
    /// spare the repeat on Google's service, but on the emulator, where a subscription has a retry policy, it removes
    /// a message still queued for redelivery and the emulator's redelivery task fails on it for good
    /// (MessageBacklog.nackMessage has no null check), so every later expired message of the subscription stays
    /// undelivered: the stall docs/operations.md describes.
    /// </summary>
    private void SkipAck(string ackId)
    {
        if (_leases.TryRemove(ackId, out _)) Interlocked.Increment(ref _leasesLost);
        Interlocked.Increment(ref _acksSkipped);
    }

    private Task ModifyAsync(IReadOnlyList<string> ackIds, int seconds) =>
        ackIds.Count == 0 ? Task.CompletedTask
            : _bus.Subscriber.ModifyAckDeadlineAsync(new ModifyAckDeadlineRequest { Subscription = Name, AckDeadlineSeconds = seconds, AckIds = { ackIds } }).ResponseAsync;

    public async ValueTask DisposeAsync()
    {
        if (_closing.IsCancellationRequested) return;
        // Half-close first so the server ends the stream itself and stops routing messages to it; a stream
        // only cancelled can linger server-side and keep receiving messages until their leases expire.
        _stopping = true;
        if (_stream is { } stream && _pulling is { } pulling)
        {
            try
            {
                await stream.RequestStream.CompleteAsync().ConfigureAwait(false);
                await pulling.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or TimeoutException or OperationCanceledException) { }
        }
        await _closing.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _pulling, _housekeeping }.OfType<Task>())
            try { await task.ConfigureAwait(false); } catch (Exception) { }
        try
        {
            await FlushAcksAsync().ConfigureAwait(false);
            // What was handed out and not acknowledged goes back now rather than when its lease runs out.
            foreach (var chunk in _leases.Keys.Chunk(MaxIdsPerRequest))
                await ModifyAsync(chunk, 0).ConfigureAwait(false);
        }
        catch (RpcException) { } // unreachable: the leases expire and Pub/Sub redelivers anyway
    }

    private sealed class Delivery(PubSubSource source, ReceivedMessage received) : IDelivery
    {
        public InboundMessage Message { get; } = new(received.Message.MessageId, received.Message.Data.Memory,
            received.Message.Attributes.Count == 0 ? InboundMessage.NoAttributes : new Dictionary<string, string>(received.Message.Attributes),
            Math.Max(1, received.DeliveryAttempt));

        public ValueTask AckAsync(CancellationToken cancellationToken)
        {
            // Sent with the next flush, which drops it instead if its lease has run out by then (see SkipAck).
            source._toAck.Enqueue(received.AckId);
            return ValueTask.CompletedTask;
        }

        public async ValueTask NackAsync(CancellationToken cancellationToken)
        {
            if (!source._leases.TryRemove(received.AckId, out _)) return;
            try { await source.ModifyAsync([received.AckId], 0).ConfigureAwait(false); }
            catch (RpcException) { } // the lease will expire: redelivered all the same
        }
    }
}

/// <param name="Redelivered">Messages received with a delivery attempt above 1 (reported only where a dead-letter policy is set).</param>
/// <param name="MaxDeliveryAttempt">The highest delivery attempt seen; the subscription dead-letters at its max_delivery_attempts.</param>
/// <param name="LeasesLost">Leases that ran out before they were extended (each costs the message a delivery attempt).</param>
/// <param name="AcksRefused">Ack ids Pub/Sub refused (stale), dropped so they do not block the others.</param>
/// <param name="AcksSkipped">Messages written after their lease ran out, so not acknowledged (their redelivery is).</param>
public sealed record PubSubSourceStats(long Received, long Redelivered, int MaxDeliveryAttempt, long LeasesLost, long AcksRefused, int Leased, long AcksSkipped);
