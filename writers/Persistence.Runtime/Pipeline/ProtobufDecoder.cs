using Google.Protobuf;
using Persistence.Runtime.Bus;

namespace Persistence.Runtime.Pipeline;

/// <summary>Parses a protobuf message and applies a structural check (null means valid).</summary>
public sealed class ProtobufDecoder<T>(MessageParser<T> parser, Func<T, string?>? validate = null) : IMessageDecoder<T>
    where T : IMessage<T>
{
    public T Decode(InboundMessage message)
    {
        T value;
        try
        {
            value = parser.ParseFrom(message.Payload.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new MessageDecodeException($"payload of {message.Payload.Length} bytes is not a valid {typeof(T).Name}: {e.Message}", e);
        }
        var problem = validate?.Invoke(value);
        if (problem is not null)
            throw new MessageDecodeException($"invalid {typeof(T).Name}: {problem}");
        return value;
    }
}
