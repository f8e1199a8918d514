using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Persistence.Buses.PubSub.V1;
using Persistence.Runtime.Bus;

namespace Persistence.Buses.PubSub;

/// <summary>
/// A StreamingPull subscriber. Pub/Sub's flow control (max outstanding messages and bytes) bounds what it
/// sends; leases of messages in flight are extended until they are acknowledged; a nack (or closing) sets the
/// deadline to zero so the message is redelivered at once. Acks are sent in small batches.
/// </summary>
public sealed class PubSubSource : IMessageSource
{
    private static readonly TimeSpan Unreachable = TimeSpan.FromSeconds(30);
    private readonly PubSubBus _bus;
    private readonly Channel<Delivery> _received = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, byte> _leased = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _toAck = new();
    private readonly CancellationTokenSource _closing = new();
    // One id per source, kept across reconnects: Pub/Sub tells client instances apart by it, and two pods
    // (or a restarted writer) sharing one id can have messages routed to a stream that is gone.
    private readonly string _clientId = $"{Environment.MachineName}-{Guid.NewGuid():N}";
    private Task? _pulling;
    private AsyncDuplexStreamingCall<StreamingPullRequest, StreamingPullResponse>? _stream;
    private Task? _housekeeping;
    private volatile string? _fatal;
    private volatile bool _stopping;

    /// <param name="setting">Where the subscription was configured (e.g. Writer:Subscription), named when Pub/Sub refuses it.</param>
    public PubSubSource(PubSubBus bus, string subscriptionPath, string setting = SourceAddress.WriterSubscriptionSetting)
    {
        _bus = bus;
        Name = subscriptionPath;
        _setting = setting;
    }

    private readonly string _setting;

    public string Name { get; }

    /// <summary>Pub/Sub does not tell a subscriber its backlog cheaply; KEDA reads it from Cloud Monitoring.</summary>
    public long? Backlog => null;

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
                    StreamAckDeadlineSeconds = _bus.Options.AckDeadlineSeconds,
                    MaxOutstandingMessages = _bus.Options.MaxOutstandingMessages,
                    MaxOutstandingBytes = _bus.Options.MaxOutstandingBytes,
                    ClientId = _clientId,
                }).ConfigureAwait(false);
                await foreach (var response in call.ResponseStream.ReadAllAsync(_closing.Token).ConfigureAwait(false))
                {
                    failingSince = null;
                    foreach (var received in response.ReceivedMessages)
                    {
                        _leased[received.AckId] = 0;
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

    /// <summary>Flushes acks often and extends the leases of messages still in flight well before they expire.</summary>
    private async Task HousekeepAsync()
    {
        var nextLease = DateTime.UtcNow;
        while (!_closing.IsCancellationRequested)
        {
            try
            {
                await FlushAcksAsync().ConfigureAwait(false);
                if (DateTime.UtcNow >= nextLease && !_leased.IsEmpty)
                {
                    await ModifyAsync(_leased.Keys.ToList(), _bus.Options.AckDeadlineSeconds).ConfigureAwait(false);
                    nextLease = DateTime.UtcNow.AddSeconds(_bus.Options.AckDeadlineSeconds / 3.0);
                }
                await Task.Delay(50, _closing.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_closing.IsCancellationRequested) { return; }
            catch (RpcException) { await Task.Delay(500).ConfigureAwait(false); } // leases and acks retry next round
        }
    }

    private async Task FlushAcksAsync()
    {
        var ids = new List<string>();
        while (ids.Count < 1000 && _toAck.TryDequeue(out var id)) ids.Add(id);
        if (ids.Count == 0) return;
        try
        {
            await _bus.Subscriber.AcknowledgeAsync(new AcknowledgeRequest { Subscription = Name, AckIds = { ids } }).ResponseAsync.ConfigureAwait(false);
            foreach (var id in ids) _leased.TryRemove(id, out _);
        }
        catch (RpcException)
        {
            foreach (var id in ids) _toAck.Enqueue(id);
            throw;
        }
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
            await ModifyAsync(_leased.Keys.ToList(), 0).ConfigureAwait(false);
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
            if (source._leased.ContainsKey(received.AckId)) source._toAck.Enqueue(received.AckId);
            return ValueTask.CompletedTask;
        }

        public async ValueTask NackAsync(CancellationToken cancellationToken)
        {
            if (!source._leased.TryRemove(received.AckId, out _)) return;
            try { await source.ModifyAsync([received.AckId], 0).ConfigureAwait(false); }
            catch (RpcException) { } // the lease will expire: redelivered all the same
        }
    }
}
