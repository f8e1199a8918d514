using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Options;
using Persistence.Writer.Cli;

namespace Persistence.Writer.Local;

/// <summary>
/// `persistence-writer local`: the whole topology in one process on embedded defaults (or Redis and
/// PostgreSQL when named), a generated workload, live progress, and a summary that reconciles every
/// published message against what landed in the stores.
/// </summary>
public static class LocalCommand
{
    public const string Usage =
        "local [--queries N] [--rows N] [--malformed SHARE] [--bulk-files N] [--seed N] [--out DIR] [--budget-bytes N] [--bus inprocess|pubsub --pubsub-emulator HOST:PORT [--project ID]] " +
        "[--redis HOST:PORT [--redis-clustered]] [--postgres CONNECTION-STRING] [--run-id ID] [--quiet]";

    public static Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancel) => RunAsync(args, Console.Out, cancel);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancel)
    {
        var parsed = CommandArgs.Parse(args, "local",
            ["queries", "rows", "malformed", "bulk-files", "seed", "out", "budget-bytes", "bus", "pubsub-emulator", "project", "redis", "postgres", "run-id"],
            ["quiet", "redis-clustered"]);
        var workloadOptions = new WorkloadOptions
        {
            Queries = parsed.Int("queries", 5_000),
            RowsPerQuery = parsed.Int("rows", 10),
            MalformedShare = parsed.Double("malformed", 0.01),
            BulkFiles = parsed.Int("bulk-files", 10),
            Seed = parsed.Int("seed", 7),
        };
        var problems = workloadOptions.Problems().ToList();
        if (problems.Count > 0) throw new UsageException(string.Join("; ", problems));
        var outDir = Path.GetFullPath(parsed.Get("out") ?? ".local-run");
        var writerOptions = new WriterOptions { MemoryBudgetBytes = parsed.Int("budget-bytes", 0) };
        await using var localBus = await LocalBus.OpenAsync(parsed, cancel).ConfigureAwait(false);

        Directory.CreateDirectory(outDir);
        var databasePath = Path.Combine(outDir, "stores.duckdb");
        foreach (var stale in new[] { databasePath, databasePath + ".wal" }) File.Delete(stale);
        var uploads = Path.Combine(outDir, "uploads");
        if (Directory.Exists(uploads)) Directory.Delete(uploads, recursive: true);

        await using var stores = await LocalStores.OpenAsync(parsed, databasePath, cancel).ConfigureAwait(false);

        using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(parsed.Flag("quiet") ? LogLevel.Error : LogLevel.Warning));
        var bus = localBus.Bus;
        await using var topology = LocalTopology.Create(bus, stores.Selected, logs, writerOptions);
        var workload = new Workload(workloadOptions, bus, uploads);
        output.WriteLine($"local: {workloadOptions.Queries} queries x {workloadOptions.RowsPerQuery} rows, {workloadOptions.MalformedShare:P1} malformed, " +
                         $"{workloadOptions.BulkFiles} bulk files; 8 writers over {localBus.Description}; {stores.Description}");

        var clock = Stopwatch.StartNew();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var running = topology.RunAsync(stopping.Token);
        var publishing = workload.PublishAsync(cancel);

        var progress = new ProgressReporter(topology.Writers, output, redraw: !Console.IsOutputRedirected && !parsed.Flag("quiet"));
        var interval = TimeSpan.FromSeconds(Console.IsOutputRedirected ? 5 : 1);
        var quiet = 0;
        var last = TimeSpan.Zero;
        while (!cancel.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None).ConfigureAwait(false);
            if (publishing.IsFaulted) await publishing.ConfigureAwait(false);
            if (running.IsFaulted) await running.ConfigureAwait(false);
            // Quiescent twice in a row: a republishing writer acks only after it has published, so no message can hide between polls.
            quiet = publishing.IsCompleted && localBus.Quiescent(topology.Writers) ? quiet + 1 : 0;
            if (quiet >= 2) break;
            if (!parsed.Flag("quiet") && clock.Elapsed - last >= interval)
            {
                progress.Report(clock.Elapsed, clock.Elapsed - last);
                last = clock.Elapsed;
            }
        }
        await stopping.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(false);
        if (!parsed.Flag("quiet")) progress.Report(clock.Elapsed, clock.Elapsed - last);
        var elapsed = clock.Elapsed;

        await using var dlq = bus.OpenSource(SourceAddress.TopicSubscription(LocalTopics.DeadLetter, LocalBus.DeadLetterInspector));
        var deadLetters = await Summary.DrainDeadLettersAsync(dlq, CancellationToken.None).ConfigureAwait(false);
        Summary summary;
        await using (var landed = stores.OpenLandedCounts())
            summary = await new Summary(workload.Expected, topology.Writers, deadLetters, bus.Published).BuildAsync(landed, CancellationToken.None).ConfigureAwait(false);
        output.WriteLine();
        var handled = topology.Writers.Sum(w => w.Stats.Written + w.Stats.DeadLettered);
        using var process = Process.GetCurrentProcess();
        output.WriteLine($"Finished in {elapsed.TotalSeconds:F1}s: {handled} messages handled by 8 writers ({handled / elapsed.TotalSeconds:F0} msg/s, " +
                         $"{workloadOptions.Queries / elapsed.TotalSeconds:F0} query results/s end to end); process peak working set {process.PeakWorkingSet64 >> 20} MiB");
        output.WriteLine($"Peak in-flight bytes per writer (budget {ProgressReporter.Bytes(topology.Writers[0].Budget.Capacity)} each): " +
                         string.Join(", ", topology.Writers.Select(w => $"{w.Identity.Name} {ProgressReporter.Bytes(w.Budget.Peak)}")));
        summary.Print(output);
        output.WriteLine(stores.InspectHint);
        return cancel.IsCancellationRequested ? 130 : summary.Reconciled ? 0 : 1;
    }
}
