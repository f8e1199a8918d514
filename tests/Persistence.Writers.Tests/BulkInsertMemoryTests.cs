using Persistence.Stores.Objects;
using System.Diagnostics;
using Persistence.Contracts.V1;
using Persistence.Sinks.Offline;
using Persistence.Stores;
using Persistence.Stores.Embedded;
using Persistence.Tests.Shared;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writers.Tests;

/// <summary>Runs alone: the managed heap is process-wide, so parallel tests would blur the figures.</summary>
[CollectionDefinition(nameof(MemoryMeasurements), DisableParallelization = true)]
public sealed class MemoryMeasurements;

/// <summary>
/// The bulk insert writer's managed memory high-water mark while loading a large file, against what decoding
/// the whole file at once (the old path) needs. The figures are printed; the assertion is deliberately generous.
/// Run alone: dotnet tests/Persistence.Writers.Tests/bin/Debug/net10.0/Persistence.Writers.Tests.dll -class Persistence.Writers.Tests.BulkInsertMemoryTests -showliveoutput
/// </summary>
[Collection(nameof(MemoryMeasurements))]
public sealed class BulkInsertMemoryTests
{
    private const int RowGroups = 40, RowsPerGroup = 10_000;
    private static readonly TableSchema Schema = FeatureTables.FeatureSchema(TestData.Feature("user.credit", ValueType.Float));

    [Fact]
    public async Task Loading_a_large_file_holds_about_one_row_group_of_managed_memory_not_the_file()
    {
        await using var temp = new TempDatabase();
        var file = await MultiGroupFile.WriteAsync(Path.Combine(temp.Directory, "large.parquet"), Schema, RowGroups, RowsPerGroup);
        var fileBytes = new FileInfo(file.Path).Length;
        var sink = new BulkInsertSink([new FileObjectStore()], new DuckDbOfflineStore(temp.Db), uploadBucket: null, temp.Directory);
        var note = new BulkInsertNotification { ObjectUri = new Uri(file.Path).AbsoluteUri, Table = "feature__user__credit", Schema = Schema, RowCount = file.Rows };

        var (streamingPeak, streamingTime) = await PeakGrowthAsync(async () =>
            Assert.Empty((await sink.WriteAsync(TestData.Batch(note), TestContext.Current.CancellationToken)).Rejected));
        Assert.Equal(file.Rows, temp.Count("SELECT count(*) FROM feature__user__credit"));

        // The old path for comparison: the whole object in a byte[] and every row decoded before inserting.
        var (wholePeak, wholeTime) = await PeakGrowthAsync(async () =>
        {
            var rows = await ParquetCodec.DecodeAsync(await File.ReadAllBytesAsync(file.Path, TestContext.Current.CancellationToken), note.Table, Schema, TestContext.Current.CancellationToken);
            Assert.Equal(file.Rows, rows.Count);
        });

        var report = $"bulk insert of {file.Rows:N0} rows in {RowGroups} row groups, file {Mb(fileBytes)}: " +
            $"managed peak growth streaming+insert {Mb(streamingPeak)} ({streamingTime.TotalSeconds:F1}s), " +
            $"whole-file decode alone {Mb(wholePeak)} ({wholeTime.TotalSeconds:F1}s)";
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Console.WriteLine(report);
        Assert.True(streamingPeak < wholePeak / 2, report);
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024.0):F1} MiB";

    /// <summary>Samples the managed heap every millisecond while <paramref name="work"/> runs; returns the largest growth over a collected baseline.</summary>
    private static async Task<(long Peak, TimeSpan Elapsed)> PeakGrowthAsync(Func<Task> work)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var done = new CancellationTokenSource();
        var sampler = Task.Factory.StartNew(() =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false) - baseline);
                Thread.Sleep(1);
            }
        }, TaskCreationOptions.LongRunning);
        var clock = Stopwatch.StartNew();
        await work();
        clock.Stop();
        peak = Math.Max(peak, GC.GetTotalMemory(false) - baseline);
        await done.CancelAsync();
        await sampler;
        return (peak, clock.Elapsed);
    }
}
