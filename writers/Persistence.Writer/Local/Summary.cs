using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Local;

/// <summary>What landed where, checked against what the workload published. Every message is accounted for.</summary>
/// <param name="publishedTo">Messages the bus took per topic, including what writers republished.</param>
public sealed class Summary(Expectations expected, IReadOnlyList<IRunnableWriter> writers, IReadOnlyDictionary<string, int> deadLettersByWriter, Func<string, long> publishedTo)
{
    private readonly List<string> _lines = [];
    private readonly List<string> _mismatches = [];

    public bool Reconciled => _mismatches.Count == 0;

    public async Task<Summary> BuildAsync(ILandedCounts landed, CancellationToken cancellationToken)
    {
        _lines.Add("Messages (per writer: received = written + dead-lettered)");
        foreach (var writer in writers)
        {
            var stats = writer.Stats;
            var type = Enum.Parse<WriterType>(writer.Identity.Type);
            var dead = deadLettersByWriter.GetValueOrDefault(writer.Identity.Name);
            Line($"  {writer.Identity.Name,-40} received {stats.Received,7}  written {stats.Written,7}  dead-lettered {stats.DeadLettered,4}  retries {stats.Retries,3}");
            Check(stats.Received == stats.Written + stats.DeadLettered, $"{writer.Identity.Name}: received {stats.Received} but written {stats.Written} + dead-lettered {stats.DeadLettered}");
            Check(stats.DeadLettered == expected.DeadLetters[type], $"{writer.Identity.Name}: dead-lettered {stats.DeadLettered}, the workload sent {expected.DeadLetters[type]} malformed");
            Check(dead == stats.DeadLettered, $"{writer.Identity.Name}: {stats.DeadLettered} dead-lettered but {dead} found on the DLQ topic");
            var topic = LocalTopics.TopicOf(WriterCatalog.Get(type).Reads);
            Check(stats.Received == publishedTo(topic), $"{writer.Identity.Name}: received {stats.Received} of {publishedTo(topic)} published to {topic}");
        }

        foreach (var (topic, count) in expected.Published)
            Check(publishedTo(topic) >= count, $"{topic}: the workload published {count} but the bus took {publishedTo(topic)}");

        _lines.Add($"Stores (landed / expected; counted in {landed.Description})");
        var online = await landed.OnlineKeysAsync(cancellationToken).ConfigureAwait(false);
        Compare("online store keys", online.Count, expected.OnlineKeys.Count);
        Check(online.SetEquals(expected.OnlineKeys), "online store keys differ from the keys published with max_staleness");
        foreach (var (table, rows) in expected.OfflineRows.OrderBy(t => t.Key, StringComparer.Ordinal))
            Compare($"offline {table}", await landed.OfflineRowsAsync(table, cancellationToken).ConfigureAwait(false), rows);
        Compare("metrics store rows", await landed.MetricRowsAsync(cancellationToken).ConfigureAwait(false), expected.MetricRows);
        var vectors = await landed.VectorsAsync(cancellationToken).ConfigureAwait(false);
        Compare("vector store vectors", vectors.Count, expected.Vectors.Count);
        Check(vectors.SetEquals(expected.Vectors), "vector keys differ from the vectors published");
        Compare("query mirror entries", await landed.MirroredQueriesAsync(cancellationToken).ConfigureAwait(false), expected.MirroredQueries);
        Compare("dead-letter queue", deadLettersByWriter.Values.Sum(), expected.DeadLetters.Values.Sum());
        return this;
    }

    public void Print(TextWriter output)
    {
        foreach (var line in _lines) output.WriteLine(line);
        output.WriteLine();
        if (Reconciled)
            output.WriteLine("RECONCILED: every published message was persisted or dead-lettered, and every store holds what was published.");
        else
        {
            output.WriteLine($"NOT RECONCILED: {_mismatches.Count} mismatch(es):");
            foreach (var mismatch in _mismatches) output.WriteLine($"  - {mismatch}");
        }
    }

    /// <summary>Counts dead letters per writer from the DLQ topic's context attributes.</summary>
    public static async Task<Dictionary<string, int>> DrainDeadLettersAsync(IMessageSource dlq, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (dlq.Backlog is null or > 0)
        {
            IDelivery delivery;
            if (dlq.Backlog is null)
            {
                // A bus that cannot tell its backlog: the queue is drained when nothing arrives for a while.
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                idle.CancelAfter(TimeSpan.FromSeconds(3));
                try { delivery = await dlq.ReceiveAsync(idle.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { break; }
            }
            else delivery = await dlq.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            var context = DeadLetterPublisher.FromAttributes(delivery.Message.Attributes);
            var writer = context?.WriterName ?? "(no context)";
            counts[writer] = counts.GetValueOrDefault(writer) + 1;
            await delivery.AckAsync(cancellationToken).ConfigureAwait(false);
        }
        return counts;
    }

    private void Compare(string what, long landed, long expectedCount)
    {
        Line($"  {what,-52} {landed,8} / {expectedCount,-8} {(landed == expectedCount ? "ok" : "MISMATCH")}");
        Check(landed == expectedCount, $"{what}: {landed} landed, {expectedCount} expected");
    }

    private void Line(string text) => _lines.Add(text);

    private void Check(bool ok, string mismatch)
    {
        if (!ok) _mismatches.Add(mismatch);
    }
}
