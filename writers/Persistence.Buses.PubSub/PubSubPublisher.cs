using Google.Protobuf;
using Grpc.Core;
using Persistence.Buses.PubSub.V1;
using Persistence.Runtime.Bus;

namespace Persistence.Buses.PubSub;

/// <summary>Publishes in one Publish call per batch; it returns once Pub/Sub has stored every message.</summary>
public sealed class PubSubPublisher(PubSubBus bus, string topicPath) : IMessagePublisher
{
    public string Topic => topicPath;

    public async ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0) return;
        var request = new PublishRequest { Topic = topicPath };
        foreach (var m in messages)
        {
            var message = new PubsubMessage { Data = ByteString.CopyFrom(m.Payload.Span) };
            if (m.Attributes is not null) foreach (var (key, value) in m.Attributes) message.Attributes[key] = value;
            request.Messages.Add(message);
        }
        try
        {
            await bus.Publisher.PublishAsync(request, deadline: DateTime.UtcNow.AddSeconds(60), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is not StatusCode.Cancelled)
        {
            throw new PubSubUnavailableException($"publish to {topicPath} at {bus.Address} failed: {e.Status.Detail} ({e.StatusCode})", e);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Pub/Sub cannot be used as configured or is unreachable; the message names the address and the setting to check.</summary>
/// <remarks>An <see cref="IOException"/>: a publish that fails this way (a sink republishing, the DLQ) is transient for the writer loop.</remarks>
public sealed class PubSubUnavailableException(string message, Exception? inner = null) : IOException(message, inner);
