using Persistence.Contracts;

namespace Persistence.Writer.Local;

/// <summary>What the workload published and therefore what must land (or be dead-lettered) where.</summary>
public sealed class Expectations
{
    public Dictionary<string, long> Published { get; } = new(StringComparer.Ordinal);
    public Dictionary<WriterType, long> DeadLetters { get; } = Enum.GetValues<WriterType>().ToDictionary(t => t, _ => 0L);
    public HashSet<string> OnlineKeys { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> OfflineRows { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Vectors { get; } = new(StringComparer.Ordinal);
    public long MetricRows { get; set; }
    public long MirroredQueries { get; set; }

    public void CountPublished(string topic, long count = 1) =>
        Published[topic] = Published.GetValueOrDefault(topic) + count;

    public void AddOfflineRows(string table, long rows) =>
        OfflineRows[table] = OfflineRows.GetValueOrDefault(table) + rows;
}
