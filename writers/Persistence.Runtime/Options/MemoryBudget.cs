namespace Persistence.Runtime.Options;

/// <summary>Derives the in-flight byte budget from explicit settings or the container's memory limit.</summary>
public static class MemoryBudget
{
    public const long DefaultBytes = 256L << 20;
    private const long Unlimited = 1L << 60;

    public sealed record Resolution(long Bytes, string Reason);

    public static Resolution Resolve(WriterOptions options, Func<long?>? readCgroupLimit = null)
    {
        if (options.MemoryBudgetBytes > 0)
            return new(options.MemoryBudgetBytes, "Writer:MemoryBudgetBytes");
        var limit = options.MemoryLimitBytes > 0 ? options.MemoryLimitBytes : (readCgroupLimit ?? ReadCgroupLimit)();
        if (limit is > 0 and < Unlimited)
        {
            var bytes = Math.Max(1L << 20, (long)(limit.Value * options.MemoryBudgetFraction));
            return new(bytes, $"{options.MemoryBudgetFraction:P0} of the {limit.Value >> 20} MiB memory limit");
        }
        return new(DefaultBytes, "default (no memory limit found)");
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
