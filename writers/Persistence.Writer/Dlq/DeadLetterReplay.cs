using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Dlq;

/// <summary>
/// Puts dead letters back: each selected one is republished (original bytes and attributes, without the DLQ context) to
/// the topic it was first read from, and acknowledged on the DLQ only after that publish is confirmed. A cancel or a
/// crash therefore loses nothing and repeats at most the one in flight; writers are idempotent, so a repeat is harmless.
/// </summary>
public sealed class DeadLetterReplay(IDeadLetterReader reader, Func<string, IMessagePublisher> openPublisher, TextWriter log)
{
    public async Task<ReplayOutcome> RunAsync(ReplayPlan plan, CancellationToken cancellationToken)
    {
        int read = 0, selected = 0, replayed = 0, exported = 0;
        var byTopic = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var unreplayable = new List<string>();
        var publishers = new Dictionary<string, IMessagePublisher>(StringComparer.Ordinal);
        // Refilled in tenths of a second so a replay runs evenly instead of in bursts of a whole second.
        var perRefill = Math.Max(1, (int)Math.Ceiling(plan.RatePerSecond / 10));
        using var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perRefill,
            TokensPerPeriod = perRefill,
            ReplenishmentPeriod = TimeSpan.FromSeconds(perRefill / plan.RatePerSecond),
            QueueLimit = 1,
            AutoReplenishment = true,
        });
        await using var export = plan.ToFile is null ? null : new StreamWriter(plan.ToFile, append: false);
        try
        {
            while (plan.Max is null || selected < plan.Max)
            {
                if (await reader.NextAsync(cancellationToken).ConfigureAwait(false) is not { } letter) break;
                read++;
                var context = DeadLetterPublisher.FromAttributes(letter.Attributes);
                if (context is null || !plan.Filter.Matches(letter, context))
                {
                    if (context is null && plan.Filter == new ReplayFilter())
                        unreplayable.Add($"{letter.Id}: no {DeadLetterPublisher.Prefix}* context, so its topic is unknown; left in the DLQ (use --to-topic)");
                    await reader.ReleaseAsync(letter, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                selected++;
                var topic = plan.ToTopic ?? await reader.OriginTopicAsync(context.Source, context.MessageId, cancellationToken).ConfigureAwait(false);
                if (topic is null)
                {
                    unreplayable.Add($"{letter.Id}: the source '{context.Source}' (message {context.MessageId}) names no topic that exists; left in the DLQ (use --to-topic)");
                    await reader.ReleaseAsync(letter, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (export is not null)
                {
                    await export.WriteLineAsync(JsonSerializer.Serialize(ExportLine.From(letter, context, topic), ExportLine.Json)).ConfigureAwait(false);
                    exported++;
                    await reader.ReleaseAsync(letter, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (plan.DryRun)
                {
                    await log.WriteLineAsync(Describe("would replay", letter, context, topic)).ConfigureAwait(false);
                    await reader.ReleaseAsync(letter, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                using (var lease = await limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false)) { }
                if (!publishers.TryGetValue(topic, out var publisher)) publishers[topic] = publisher = openPublisher(topic);
                await publisher.PublishAsync(new OutboundMessage(letter.Payload, OriginalAttributes(letter.Attributes)), cancellationToken).ConfigureAwait(false);
                // Confirmed on the bus: acknowledge even if a cancel arrives now, so it is not replayed twice.
                await reader.AckAsync(letter, CancellationToken.None).ConfigureAwait(false);
                replayed++;
                byTopic[topic] = byTopic.GetValueOrDefault(topic) + 1;
                if (replayed % 100 == 0) await log.WriteLineAsync($"replayed {replayed}").ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var p in publishers.Values) await p.DisposeAsync().ConfigureAwait(false);
        }
        return new ReplayOutcome(read, selected, replayed, exported, byTopic, unreplayable);
    }

    /// <summary>The attributes the message had when it was first published: the DLQ context removed.</summary>
    public static Dictionary<string, string> OriginalAttributes(IReadOnlyDictionary<string, string> attributes) =>
        attributes.Where(a => !a.Key.StartsWith(DeadLetterPublisher.Prefix, StringComparison.Ordinal)).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);

    private static string Describe(string verb, DeadLetter letter, DeadLetterContext context, string topic) => string.Create(CultureInfo.InvariantCulture,
        $"{verb} {letter.Id} -> {topic}  writer={context.WriterName} class={context.ErrorClass} at={letter.DeadLetteredAt:O} original={context.MessageId}: {context.ErrorMessage}");
}
