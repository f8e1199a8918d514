using System.Diagnostics;
using Persistence.Runtime.Bus;

namespace Persistence.Runtime.Diagnostics;

/// <summary>
/// Traces of the writer loop: one span per written batch, continuing the W3C trace context
/// (https://www.w3.org/TR/trace-context/) a publisher put in the message's attributes (Pub/Sub) or headers
/// (Kafka) as "traceparent" and "tracestate". A batch of one traced message is a child of its publisher's span,
/// a larger batch links every traced message, as OpenTelemetry's messaging conventions do for batch receives.
/// </summary>
public static class WriterTracing
{
    public const string SourceName = "Persistence.Writer";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The publisher's span context, when the message carries a valid traceparent.</summary>
    public static ActivityContext? ContextOf(InboundMessage message) =>
        message.Attributes.TryGetValue(TraceParent, out var parent)
        && ActivityContext.TryParse(parent, message.Attributes.GetValueOrDefault(TraceState), isRemote: true, out var context)
            ? context
            : null;

    /// <summary>Starts the span of one batch; null when nobody listens (no cost then).</summary>
    public static Activity? StartBatch(string writer, string writerType, string source, IReadOnlyList<IDelivery> batch)
    {
        if (!Source.HasListeners()) return null;
        var traced = batch.Select(d => ContextOf(d.Message)).OfType<ActivityContext>().Distinct().ToList();
        var parent = traced.Count == 1 ? traced[0] : default;
        var links = traced.Count > 1 ? traced.Select(c => new ActivityLink(c)) : null;
        var activity = Source.StartActivity($"{writerType} write", ActivityKind.Consumer, parent, links: links);
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.subscription.name", source);
        activity?.SetTag("messaging.batch.message_count", batch.Count);
        activity?.SetTag("persistence.writer.name", writer);
        return activity;
    }

    /// <summary>Adds the current span's context to outgoing attributes, so a republished message continues the trace.</summary>
    public static IReadOnlyDictionary<string, string>? Propagate(IReadOnlyDictionary<string, string>? attributes)
    {
        if (Activity.Current is not { } current || attributes?.ContainsKey(TraceParent) == true) return attributes;
        var propagated = attributes is null ? new Dictionary<string, string>() : new Dictionary<string, string>(attributes);
        propagated[TraceParent] = current.Id!;
        if (!string.IsNullOrEmpty(current.TraceStateString)) propagated[TraceState] = current.TraceStateString;
        return propagated;
    }
}
