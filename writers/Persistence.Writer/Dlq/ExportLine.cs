using System.Text.Json;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Dlq;

/// <summary>One line of `dlq replay --to-file`: enough to inspect a dead letter, or to republish it by other means.</summary>
public sealed record ExportLine(
    string DlqMessageId,
    DateTimeOffset? DeadLetteredAt,
    string OriginTopic,
    DeadLetterContext Context,
    IReadOnlyDictionary<string, string> Attributes,
    string PayloadBase64)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static ExportLine From(DeadLetter letter, DeadLetterContext context, string topic) =>
        new(letter.Id, letter.DeadLetteredAt, topic, context, DeadLetterReplay.OriginalAttributes(letter.Attributes), Convert.ToBase64String(letter.Payload.Span));
}
