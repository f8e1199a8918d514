using Grpc.Core;
using Persistence.Buses.PubSub.V1;
using Persistence.Runtime.Bus;

namespace Persistence.Buses.PubSub.Dlq;

/// <summary>
/// Reads a subscription on the DLQ topic (the stack's "&lt;dlq&gt;-hold") with unary pulls until it has stayed empty for
/// <paramref name="idle"/>. Every dead letter pulled and not acknowledged — buffered, being replayed, or released by a
/// filter — is leased (extended) until the end of the run, then handed back at once: one run reads each dead letter
/// once, and the next run (after a cancel too) sees every unacknowledged one again without waiting for a lease to run out.
/// </summary>
public sealed class PubSubDeadLetterReader(PubSubBus bus, string subscription, TimeSpan idle) : IDeadLetterReader
{
    private const int LeaseSeconds = 60;
    private readonly string _subscription = bus.Options.SubscriptionPath(subscription);
    private readonly Queue<ReceivedMessage> _buffer = new();
    private readonly Dictionary<string, string> _leased = new(StringComparer.Ordinal); // message id -> ack id
    private readonly Dictionary<string, string?> _topics = new(StringComparer.Ordinal);
    private DateTime _extended = DateTime.UtcNow;

    public string Name => _subscription;

    public async ValueTask<DeadLetter?> NextAsync(CancellationToken cancellationToken)
    {
        var quietSince = DateTime.UtcNow;
        while (true)
        {
            while (_buffer.TryDequeue(out var received))
            {
                var m = received.Message;
                return new DeadLetter(m.MessageId, m.Data.Memory, new Dictionary<string, string>(m.Attributes, StringComparer.Ordinal),
                    m.PublishTime is null ? null : m.PublishTime.ToDateTimeOffset()) { Handle = received.AckId };
            }
            if (DateTime.UtcNow - quietSince >= idle) return null;
            await ExtendLeasesAsync(cancellationToken).ConfigureAwait(false);
            var response = await Call(() => bus.Subscriber.PullAsync(
                new PullRequest { Subscription = _subscription, MaxMessages = 100, ReturnImmediately = true },
                deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
            var fresh = 0;
            foreach (var r in response.ReceivedMessages)
            {
                // One whose lease ran out anyway comes back: keep it leased under its new ack id, do not read it twice.
                var seen = _leased.ContainsKey(r.Message.MessageId);
                _leased[r.Message.MessageId] = r.AckId;
                if (!seen) { _buffer.Enqueue(r); fresh++; }
            }
            if (fresh > 0) quietSince = DateTime.UtcNow;
            else await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask AckAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        var ackId = _leased.GetValueOrDefault(letter.Id) ?? (string)letter.Handle!;
        await Call(() => bus.Subscriber.AcknowledgeAsync(new AcknowledgeRequest { Subscription = _subscription, AckIds = { ackId } },
            cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        _leased.Remove(letter.Id);
    }

    // Stays leased until the end of the run (so this run does not read it again), then is handed back.
    public ValueTask ReleaseAsync(DeadLetter letter, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>The context's source is the subscription the writer read; its topic is where the message came from.</summary>
    public async ValueTask<string?> OriginTopicAsync(string source, string originalMessageId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(source)) return null;
        var path = bus.Options.SubscriptionPath(source);
        if (_topics.TryGetValue(path, out var known)) return known;
        try
        {
            var found = await bus.Subscriber.GetSubscriptionAsync(new GetSubscriptionRequest { Subscription = path }, cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            return _topics[path] = found.Topic;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return _topics[path] = null;
        }
    }

    private async Task ExtendLeasesAsync(CancellationToken cancellationToken)
    {
        if (_leased.Count == 0 || DateTime.UtcNow - _extended < TimeSpan.FromSeconds(LeaseSeconds / 3)) return;
        await ModifyAsync(_leased.Values.ToList(), LeaseSeconds, cancellationToken).ConfigureAwait(false);
        _extended = DateTime.UtcNow;
    }

    private Task ModifyAsync(List<string> ackIds, int seconds, CancellationToken cancellationToken) =>
        ackIds.Count == 0 ? Task.CompletedTask : Call(() => bus.Subscriber.ModifyAckDeadlineAsync(
            new ModifyAckDeadlineRequest { Subscription = _subscription, AckDeadlineSeconds = seconds, AckIds = { ackIds } },
            cancellationToken: cancellationToken).ResponseAsync);

    private async Task<T> Call<T>(Func<Task<T>> call)
    {
        try { return await call().ConfigureAwait(false); }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.PermissionDenied)
        {
            throw new PubSubUnavailableException($"Pub/Sub at {bus.Address} refused the DLQ subscription {_subscription}: {e.Status.Detail} ({e.StatusCode}). Check --subscription (the stack creates <dlq>-hold) and {Persistence.Contracts.SettingNames.Bus.PubSubProjectId}.", e);
        }
        catch (RpcException e) when (e.StatusCode is not StatusCode.Cancelled)
        {
            throw new PubSubUnavailableException($"Pub/Sub at {bus.Address} failed reading {_subscription}: {e.Status.Detail} ({e.StatusCode})", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Hand every unacknowledged one back at once so the next run (or doctor) sees it without waiting for the lease.
        try { await ModifyAsync(_leased.Values.ToList(), 0, CancellationToken.None).ConfigureAwait(false); }
        catch (PubSubUnavailableException) { /* they come back when their lease runs out */ }
        _leased.Clear();
    }
}
