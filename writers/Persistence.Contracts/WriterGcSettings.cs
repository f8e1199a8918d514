namespace Persistence.Contracts;

/// <summary>
/// The .NET GC settings every writer container gets (the stack renders them into the Deployment; `bench`
/// passes the same to its memory child). The heap hard limit is a share of the container's memory limit, lower
/// than the runtime's 75 % default so that the heap plus native memory (runtime, librdkafka and gRPC buffers)
/// stays under the limit; conserve-memory makes the GC compact the large object heap, where decoded vectors and
/// parquet buffers live, instead of growing it. Environment values are hexadecimal
/// (https://learn.microsoft.com/dotnet/core/runtime-config/garbage-collector).
/// </summary>
public static class WriterGcSettings
{
    /// <summary>Percent of the memory limit the managed heap may commit.</summary>
    public const int HeapHardLimitPercent = 55;

    /// <summary>0 (off) to 9; 5 compacts the LOH once it is fragmented.</summary>
    public const int ConserveMemory = 5;

    public static readonly IReadOnlyList<(string Name, string Value)> Environment =
    [
        ("DOTNET_GCHeapHardLimitPercent", $"0x{HeapHardLimitPercent:X}"),
        ("DOTNET_GCConserveMemory", $"{ConserveMemory:X}"),
    ];
}
