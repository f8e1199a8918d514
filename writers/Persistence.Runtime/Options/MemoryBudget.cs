using System.Globalization;
using Persistence.Contracts;

namespace Persistence.Runtime.Options;

/// <summary>
/// Derives the in-flight byte budget from explicit settings or the container's memory limit. Payload bytes are
/// not what a writer holds: decoding multiplies them (protobuf objects, rows, parquet buffers), by a factor that
/// depends on the writer type. So the budget is the managed heap the GC may use (<see cref="WriterGcSettings"/>),
/// less a baseline, divided by that type's amplification as `persistence-writer bench` measures it
/// (docs/benchmarks.md); a fixed share of the limit ignored it and let a 64 MiB budget become 192-256 MiB of heap.
/// </summary>
public static class MemoryBudget
{
    public const long DefaultBytes = 256L << 20;
    private const long Unlimited = 1L << 60;

    /// <summary>Managed heap a writer uses with nothing in flight (runtime, clients, caches), measured by bench.</summary>
    public const long BaselineHeapBytes = 24L << 20;

    /// <summary>Share of the limit without a writer type (and before this derivation existed).</summary>
    public const double LegacyFraction = 0.25;

    public sealed record Resolution(long Bytes, string Reason);

    /// <summary>
    /// Live managed heap per in-flight payload byte, by writer type, rounded up from `bench --only memory`
    /// (vector-heavy messages, live heap after full collections; docs/benchmarks.md).
    /// </summary>
    public static double Amplification(WriterType type) => type switch
    {
        // Measured 2.5x: the decoded QueryResult and the serialized values.
        WriterType.ONLINE_WRITER => 3.0,
        // Measured 5.3x: the decoded batch, a float[] and the FLOAT32 bytes per vector.
        WriterType.ONLINE_VECTOR_STORE_WRITER => 6.0,
        // Measured 7.7x: decoded results, a row per value, parquet column buffers and the encoded file.
        WriterType.OFFLINE_WRITER => 8.0,
        // Not measured with vectors: the same parquet, rows and column arrays as the offline writer, in reverse.
        WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER => 8.0,
        // A notification is tiny; the file itself is spooled to disk and read a row group at a time.
        WriterType.OFFLINE_STORE_BULK_INSERT_WRITER => 2.0,
        // Metrics and mirror messages are small protobufs, decoded once.
        _ => 4.0,
    };

    public static Resolution Resolve(WriterOptions options, Func<long?>? readCgroupLimit = null)
    {
        if (options.MemoryBudgetBytes > 0)
            return new(options.MemoryBudgetBytes, "Writer:MemoryBudgetBytes");
        var limit = options.MemoryLimitBytes > 0 ? options.MemoryLimitBytes : (readCgroupLimit ?? ReadCgroupLimit)();
        if (limit is not (> 0 and < Unlimited))
            return new(DefaultBytes, "default (no memory limit found)");
        if (options.MemoryBudgetFraction is not null || options.Type is null)
        {
            var fraction = options.MemoryBudgetFraction ?? LegacyFraction;
            return new(Math.Max(1L << 20, (long)(limit.Value * fraction)), string.Create(CultureInfo.InvariantCulture, $"{fraction:P0} of the {limit.Value >> 20} MiB memory limit"));
        }
        var type = options.Type.Value;
        var heap = limit.Value * WriterGcSettings.HeapHardLimitPercent / 100;
        var amplification = Amplification(type);
        var bytes = Math.Max(1L << 20, (long)((heap - BaselineHeapBytes) / amplification));
        return new(bytes, string.Create(CultureInfo.InvariantCulture,
            $"the {WriterGcSettings.HeapHardLimitPercent} % heap of the {limit.Value >> 20} MiB memory limit, less {BaselineHeapBytes >> 20} MiB baseline, over {type}'s {amplification:0.0}x decode amplification"));
    }

    /// <summary>cgroup v2 memory.max, else cgroup v1 memory.limit_in_bytes; null when unlimited or absent.</summary>
    public static long? ReadCgroupLimit()
    {
        foreach (var path in new[] { "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes" })
        {
            try
            {
                if (File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), out var value) && value < Unlimited)
                    return value;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return null;
    }
}
