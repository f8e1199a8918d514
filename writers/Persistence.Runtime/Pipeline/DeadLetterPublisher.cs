using Persistence.Runtime.Bus;

namespace Persistence.Runtime.Pipeline;

/// <summary>Why a message was dead-lettered, and from where: enough to triage and to replay it.</summary>
public sealed record DeadLetterContext(
    string Source,
    string MessageId,
    string WriterName,
    string WriterType,
    string ErrorClass,
    string ErrorMessage,
    int Attempts);

/// <summary>
/// Publishes the original payload, unchanged so it can be replayed, with the context as attributes
/// (Kafka headers / Pub/Sub attributes), in the spirit of Kafka Connect's error headers.
/// </summary>
public sealed class DeadLetterPublisher(IMessagePublisher publisher)
{
    public const string Prefix = "persistence.dlq.";
    public const string SourceKey = Prefix + "source";
    public const string MessageIdKey = Prefix + "message_id";
    public const string WriterNameKey = Prefix + "writer_name";
    public const string WriterTypeKey = Prefix + "writer_type";
    public const string ErrorClassKey = Prefix + "error_class";
    public const string ErrorMessageKey = Prefix + "error_message";
    public const string AttemptsKey = Prefix + "attempts";

    public string Topic => publisher.Topic;

    public ValueTask PublishAsync(IReadOnlyList<(InboundMessage Message, DeadLetterContext Context)> letters, CancellationToken cancellationToken)
    {
        var outbound = letters.Select(l => new OutboundMessage(l.Message.Payload, ToAttributes(l.Message, l.Context))).ToList();
        return publisher.PublishAsync(outbound, cancellationToken);
    }

    public static Dictionary<string, string> ToAttributes(InboundMessage message, DeadLetterContext context)
    {
        // Keep the original attributes; context keys win where they collide.
        var attributes = new Dictionary<string, string>(message.Attributes, StringComparer.Ordinal)
        {
            [SourceKey] = context.Source,
            [MessageIdKey] = context.MessageId,
            [WriterNameKey] = context.WriterName,
            [WriterTypeKey] = context.WriterType,
            [ErrorClassKey] = context.ErrorClass,
            [ErrorMessageKey] = Truncate(context.ErrorMessage, 1024),
            [AttemptsKey] = context.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return attributes;
    }

    public static DeadLetterContext? FromAttributes(IReadOnlyDictionary<string, string> attributes)
    {
        string Get(string key) => attributes.TryGetValue(key, out var v) ? v : "";
        if (!attributes.ContainsKey(ErrorClassKey))
            return null;
        return new DeadLetterContext(Get(SourceKey), Get(MessageIdKey), Get(WriterNameKey), Get(WriterTypeKey),
            Get(ErrorClassKey), Get(ErrorMessageKey), int.TryParse(Get(AttemptsKey), out var a) ? a : 0);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
