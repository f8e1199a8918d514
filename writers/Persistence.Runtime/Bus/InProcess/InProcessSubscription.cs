using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Persistence.Runtime.Bus.InProcess;

/// <summary>One subscription's queue plus the messages handed out and not yet settled.</summary>
public sealed class InProcessSubscription
{
    private readonly Channel<InboundMessage> _ready = Channel.CreateUnbounded<InboundMessage>();
    // Under its own lock, not a ConcurrentDictionary: that allocates a node per message, which a backlog of thousands
    // held in flight turns into collections the writer under test pays for.
    private readonly Dictionary<string, InboundMessage> _outstanding = new(StringComparer.Ordinal);
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
    public long Outstanding { get { lock (_outstanding) return _outstanding.Count; } }
    public long Backlog => Interlocked.Read(ref _queued) + Outstanding;

    internal void Enqueue(InboundMessage message)
    {
        Interlocked.Increment(ref _queued);
        _ready.Writer.TryWrite(message);
    }

    internal async ValueTask<InboundMessage> TakeAsync(CancellationToken cancellationToken)
    {
        var message = await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Decrement(ref _queued);
        lock (_outstanding) _outstanding[message.Id] = message;
        return message;
    }

    internal bool TryTake([NotNullWhen(true)] out InboundMessage? message)
    {
        if (!_ready.Reader.TryRead(out message)) return false;
        Interlocked.Decrement(ref _queued);
        lock (_outstanding) _outstanding[message.Id] = message;
        return true;
    }

    internal void Ack(InboundMessage message)
    {
        bool removed;
        lock (_outstanding) removed = _outstanding.Remove(message.Id);
        if (removed) Interlocked.Increment(ref _acked);
    }

    internal void Redeliver(InboundMessage message)
    {
        bool removed;
        lock (_outstanding) removed = _outstanding.Remove(message.Id);
        if (!removed) return;
        Interlocked.Increment(ref _redelivered);
        Enqueue(message with { DeliveryAttempt = message.DeliveryAttempt + 1 });
    }
}

internal sealed class InProcessSource(InProcessSubscription subscription) : IMessageSource
{
    // Messages this source holds unsettled; a closed source gives them back, like an expired lease.
    private readonly Dictionary<string, InboundMessage> _held = new(StringComparer.Ordinal); // under its own lock, as _outstanding
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
        Hold(message);
        if (_closed.IsCancellationRequested)
        {
            // Closed while this message was being taken: give it back rather than hold it forever.
            subscription.Redeliver(message);
            Release(message);
            throw new ObjectDisposedException(nameof(InProcessSource));
        }
        return new Delivery(this, message);
    }

    public bool TryReceive([NotNullWhen(true)] out IDelivery? delivery)
    {
        delivery = null;
        if (_closed.IsCancellationRequested || !subscription.TryTake(out var message)) return false;
        Hold(message);
        if (_closed.IsCancellationRequested)
        {
            // Closed while this message was being taken: give it back rather than hold it forever.
            subscription.Redeliver(message);
            Release(message);
            return false;
        }
        delivery = new Delivery(this, message);
        return true;
    }

    /// <summary>Closing is what a dead process does: pending receives end and every unsettled message is redelivered.</summary>
    public ValueTask DisposeAsync()
    {
        _closed.Cancel();
        InboundMessage[] held;
        lock (_held)
        {
            held = [.. _held.Values];
            _held.Clear();
        }
        foreach (var message in held)
            subscription.Redeliver(message);
        return ValueTask.CompletedTask;
    }

    private void Hold(InboundMessage message)
    {
        lock (_held) _held[message.Id] = message;
    }

    private bool Release(InboundMessage message)
    {
        lock (_held) return _held.Remove(message.Id);
    }

    private sealed class Delivery(InProcessSource source, InboundMessage message) : IDelivery
    {
        public InboundMessage Message => message;

        public ValueTask AckAsync(CancellationToken cancellationToken)
        {
            if (source.Release(message))
                source.Subscription.Ack(message);
            return ValueTask.CompletedTask;
        }

        public ValueTask NackAsync(CancellationToken cancellationToken)
        {
            if (source.Release(message))
                source.Subscription.Redeliver(message);
            return ValueTask.CompletedTask;
        }
    }

    private InProcessSubscription Subscription => subscription;
}
