using Persistence.Buses.Kafka;
using Persistence.Buses.Kafka.Dlq;
using Persistence.Buses.PubSub;
using Persistence.Buses.PubSub.Dlq;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;

namespace Persistence.Infra.Doctor;

/// <summary>
/// The DLQ's depth and its top error classes and writers, from the context attributes of up to <c>sample</c> dead letters.
/// Reads without settling anything: on Kafka in a throwaway group that never commits, on Pub/Sub every letter is handed back.
/// </summary>
public static class DlqProbe
{
    public static async Task<DlqReport> KafkaAsync(KafkaBusOptions options, string topic, int sample, CancellationToken cancel)
    {
        try
        {
            var depth = KafkaDeadLetterReader.Depth(options, topic).Values.Sum();
            await using var reader = new KafkaDeadLetterReader(options, topic, $"persistence-doctor-{Guid.NewGuid():N}");
            var (classes, writers, _) = await TallyAsync(reader, sample, cancel).ConfigureAwait(false);
            return new DlqReport($"kafka {topic}", "ok", depth, classes, writers);
        }
        catch (Exception e) when (e is BusUnavailableException or Confluent.Kafka.KafkaException or InvalidOperationException)
        {
            return new DlqReport($"kafka {topic}", $"not reachable: {e.Message}", null, new Dictionary<string, int>(), new Dictionary<string, int>());
        }
    }

    public static async Task<DlqReport> PubSubAsync(PubSubBusOptions options, string subscription, int sample, CancellationToken cancel)
    {
        try
        {
            using var bus = new PubSubBus(options);
            await using var reader = new PubSubDeadLetterReader(bus, subscription, TimeSpan.FromSeconds(3));
            var (classes, writers, read) = await TallyAsync(reader, sample, cancel).ConfigureAwait(false);
            return new DlqReport($"pubsub {subscription}", read >= sample ? $"at least {read} (sampled)" : "ok", read, classes, writers);
        }
        catch (Exception e) when (e is PubSubUnavailableException or InvalidOperationException)
        {
            return new DlqReport($"pubsub {subscription}", $"not reachable: {e.Message}", null, new Dictionary<string, int>(), new Dictionary<string, int>());
        }
    }

    private static async Task<(Dictionary<string, int>, Dictionary<string, int>, int)> TallyAsync(IDeadLetterReader reader, int sample, CancellationToken cancel)
    {
        var classes = new Dictionary<string, int>(StringComparer.Ordinal);
        var writers = new Dictionary<string, int>(StringComparer.Ordinal);
        var read = 0;
        while (read < sample && await reader.NextAsync(cancel).ConfigureAwait(false) is { } letter)
        {
            read++;
            var context = DeadLetterPublisher.FromAttributes(letter.Attributes);
            var errorClass = context?.ErrorClass ?? "(no context: dead-lettered by Pub/Sub's policy or another producer)";
            classes[errorClass] = classes.GetValueOrDefault(errorClass) + 1;
            if (context is not null) writers[context.WriterName] = writers.GetValueOrDefault(context.WriterName) + 1;
            await reader.ReleaseAsync(letter, cancel).ConfigureAwait(false);
        }
        return (Top(classes), Top(writers), read);
    }

    private static Dictionary<string, int> Top(Dictionary<string, int> counts) =>
        counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(5).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
}
