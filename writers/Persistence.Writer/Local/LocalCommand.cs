using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Persistence.Runtime.Bus;
using Persistence.Writer.Cli;

namespace Persistence.Writer.Local;

/// <summary>
/// `persistence-writer local`: the whole topology in one process on embedded defaults (or Redis,
/// PostgreSQL and DynamoDB when named), a generated workload, live progress, and a summary that reconciles every
/// published message against what landed in the stores.
/// </summary>
public static class LocalCommand
{
    public static Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancel) => RunAsync(args, Console.Out, cancel);

    public static Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancel) =>
        RunAsync(LocalVerb.Parse(args), output, cancel);

    public static async Task<int> RunAsync(LocalArguments parsed, TextWriter output, CancellationToken cancel)
    {
        var workloadOptions = parsed.Workload;
        var problems = workloadOptions.Problems().ToList();
        if (problems.Count > 0) throw new UsageException(string.Join("; ", problems));
        var outDir = Path.GetFullPath(parsed.Out);
        await using var localBus = await LocalBus.OpenAsync(parsed, cancel).ConfigureAwait(false);

        Directory.CreateDirectory(outDir);
        var databasePath = Path.Combine(outDir, "stores.duckdb");
        foreach (var stale in new[] { databasePath, databasePath + ".wal" }) File.Delete(stale);
        var uploads = Path.Combine(outDir, "uploads");
        if (Directory.Exists(uploads)) Directory.Delete(uploads, recursive: true);

        await using var stores = await LocalStores.OpenAsync(parsed, databasePath, cancel).ConfigureAwait(false);

        var bus = localBus.Bus;
        await using var topology = LocalTopology.Create(bus, stores, parsed.Quiet ? LogLevel.Error : LogLevel.Warning, parsed.BudgetBytes);
        var workload = new Workload(workloadOptions, bus, uploads);
        output.WriteLine($"local: {workloadOptions.Queries} queries x {workloadOptions.RowsPerQuery} rows, {workloadOptions.MalformedShare:P1} malformed, " +
                         $"{workloadOptions.BulkFiles} bulk files; 8 writers over {localBus.Description}; {stores.Description}");

        var clock = Stopwatch.StartNew();
        await topology.StartAsync(cancel).ConfigureAwait(false);
        var publishing = workload.PublishAsync(cancel);

        using var progress = new ProgressReporter(topology.Writers, output, redraw: !Console.IsOutputRedirected && !parsed.Quiet);
        var interval = TimeSpan.FromSeconds(Console.IsOutputRedirected ? 5 : 1);
        var quiet = 0;
        var last = TimeSpan.Zero;
        while (!cancel.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None).ConfigureAwait(false);
            if (publishing.IsFaulted) await publishing.ConfigureAwait(false);
            if (topology.Failure is { } failure) throw new InvalidOperationException($"a writer failed: {failure.Message}", failure);
            // Quiescent twice in a row: a republishing writer acks only after it has published, so no message can hide between polls.
            quiet = publishing.IsCompleted && localBus.Quiescent(topology.Writers) ? quiet + 1 : 0;
            if (quiet >= 2) break;
            if (!parsed.Quiet && clock.Elapsed - last >= interval)
            {
                progress.Report(clock.Elapsed, clock.Elapsed - last);
                last = clock.Elapsed;
            }
        }
        await topology.StopAsync().ConfigureAwait(false);
        if (!parsed.Quiet) progress.Finish(clock.Elapsed, clock.Elapsed - last);
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
