namespace Persistence.Writer.Bench;

/// <summary>
/// What the GC did over a timed section (collections that reached each generation, time paused, bytes allocated):
/// printed beside a row's rates, so a reader can tell the collector's share of a gap from the code's (on the offline
/// row it is the smaller share: docs/benchmarks.md).
/// </summary>
public readonly record struct GcWindow(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long Allocated)
{
    public static GcWindow Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

    /// <summary>The difference from <paramref name="start"/> until now.</summary>
    public static GcWindow Since(GcWindow start)
    {
        var now = Now();
        return new(now.Gen0 - start.Gen0, now.Gen1 - start.Gen1, now.Gen2 - start.Gen2, now.Paused - start.Paused, now.Allocated - start.Allocated);
    }

    public static GcWindow operator +(GcWindow a, GcWindow b) =>
        new(a.Gen0 + b.Gen0, a.Gen1 + b.Gen1, a.Gen2 + b.Gen2, a.Paused + b.Paused, a.Allocated + b.Allocated);

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Gen0} gen0 / {Gen1} gen1 / {Gen2} gen2 collections, paused {Paused.TotalMilliseconds:0} ms, allocated {Allocated >> 20} MiB");
}
