using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Dlq;

/// <summary>Which dead letters a replay takes: every criterion given must match (none given: all).</summary>
/// <param name="MessageId">The original message's id (persistence.dlq.message_id) or the DLQ message's own id.</param>
public sealed record ReplayFilter(
    string? Writer = null,
    string? ErrorClass = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    string? MessageId = null)
{
    public bool Matches(DeadLetter letter, DeadLetterContext context) =>
        (Writer is null || string.Equals(context.WriterName, Writer, StringComparison.Ordinal)) &&
        (ErrorClass is null || string.Equals(context.ErrorClass, ErrorClass, StringComparison.OrdinalIgnoreCase)) &&
        (Since is null || letter.DeadLetteredAt >= Since) &&
        (Until is null || letter.DeadLetteredAt < Until) &&
        (MessageId is null || context.MessageId == MessageId || letter.Id == MessageId);

    public override string ToString()
    {
        var parts = new List<string>();
        if (Writer is not null) parts.Add($"writer={Writer}");
        if (ErrorClass is not null) parts.Add($"error-class={ErrorClass}");
        if (Since is not null) parts.Add($"since={Since:O}");
        if (Until is not null) parts.Add($"until={Until:O}");
        if (MessageId is not null) parts.Add($"message-id={MessageId}");
        return parts.Count == 0 ? "every dead letter" : string.Join(" ", parts);
    }
}
