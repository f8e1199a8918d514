using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Persistence.Runtime.Bus.InProcess;

/// <summary>One subscription's queue plus the messages handed out and not yet settled.</summary>
public sealed class InProcessSubscription
{
    private readonly Channel<InboundMessage> _ready = Channel.CreateUnbounded<InboundMessage>();
    private readonly ConcurrentDictionary<string, InboundMessage> _outstanding = new(StringComparer.Ordinal);
    private long _queued;
    private long _acked;
    private long _redelivered;

    internal InProcessSubscription(InProcessTopic topic, string name)
    {
        Topic = topic;
        Name = name;
    }

    public InProcessTopic Topic { get; }
    public string Name { get; }
    public long Acked => Interlocked.Read(ref _acked);
    public long Redelivered => Interlocked.Read(ref _redelivered);
    public long Outstanding => _outstanding.Count;
    public long Backlog => Interlocked.Read(ref _queued) + _outstanding.Count;

    internal void Enqueue(InboundMessage message)
    {
        Interlocked.Increment(ref _queued);
        _ready.Writer.TryWrite(message);
    }

    internal async ValueTask<InboundMessage> TakeAsync(CancellationToken cancellationToken)
    {
        var message = await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Decrement(ref _queued);
        _outstanding[message.Id] = message;
        return message;
    }

    internal bool TryTake([NotNullWhen(true)] out InboundMessage? message)
    {
        if (!_ready.Reader.TryRead(out message)) return false;
        Interlocked.Decrement(ref _queued);
        _outstanding[message.Id] = message;
        return true;
    }

    internal void Ack(InboundMessage message)
    {
        if (_outstanding.TryRemove(message.Id, out _))
            Interlocked.Increment(ref _acked);
    }

    internal void Redeliver(InboundMessage message)
    {
        if (!_outstanding.TryRemove(message.Id, out _))
            return;
        Interlocked.Increment(ref _redelivered);
        Enqueue(message with { DeliveryAttempt = message.DeliveryAttempt + 1 });
    }
}

internal sealed class InProcessSource(InProcessSubscription subscription) : IMessageSource
{
    // Messages this source holds unsettled; a closed source gives them back, like an expired lease.
    private readonly ConcurrentDictionary<string, InboundMessage> _held = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closed = new();

    public string Name => subscription.Name;
    public long? Backlog => subscription.Backlog;

    public async ValueTask<IDelivery> ReceiveAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_closed.IsCancellationRequested, this);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        InboundMessage message;
        try
        {
            message = await subscription.TakeAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(InProcessSource), "the source was closed while receiving");
        }
        _held[message.Id] = message;
        if (_closed.IsCancellationRequested)
        {
            // Closed while this message was being taken: give it back rather than hold it forever.
            subscription.Redeliver(message);
            _held.TryRemove(message.Id, out _);
            throw new ObjectDisposedException(nameof(InProcessSource));
        }
        return new Delivery(this, message);
    }

    public bool TryReceive([NotNullWhen(true)] out IDelivery? delivery)
    {
        delivery = null;
        if (_closed.IsCancellationRequested || !subscription.TryTake(out var message)) return false;
        _held[message.Id] = message;
        if (_closed.IsCancellationRequested)
        {
            // Closed while this message was being taken: give it back rather than hold it forever.
            subscription.Redeliver(message);
            _held.TryRemove(message.Id, out _);
            return false;
        }
        delivery = new Delivery(this, message);
        return true;
    }

    /// <summary>Closing is what a dead process does: pending receives end and every unsettled message is redelivered.</summary>
    public ValueTask DisposeAsync()
    {
        _closed.Cancel();
        foreach (var message in _held.Values)
            subscription.Redeliver(message);
        _held.Clear();
        return ValueTask.CompletedTask;
    }

    private sealed class Delivery(InProcessSource source, InboundMessage message) : IDelivery
    {
        public InboundMessage Message => message;

        public ValueTask AckAsync(CancellationToken cancellationToken)
        {
            if (source._held.TryRemove(message.Id, out _))
                source.Subscription.Ack(message);
            return ValueTask.CompletedTask;
        }

        public ValueTask NackAsync(CancellationToken cancellationToken)
        {
            if (source._held.TryRemove(message.Id, out _))
                source.Subscription.Redeliver(message);
            return ValueTask.CompletedTask;
        }
    }

    private InProcessSubscription Subscription => subscription;
}
