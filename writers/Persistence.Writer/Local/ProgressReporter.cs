using System.Globalization;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Local;

/// <summary>
/// `local`'s live view: per-writer throughput, backlog, dead letters, retries and in-flight bytes. On a terminal a
/// Spectre.Console table redrawn in place; when stdout is not a terminal (a log file, CI) one line per report,
/// so a log gets a line every few seconds instead of a full table each time.
/// </summary>
public sealed class ProgressReporter(IReadOnlyList<IRunnableWriter> writers, TextWriter output, bool redraw) : IDisposable
{
    private readonly Dictionary<string, long> _lastHandled = new(StringComparer.Ordinal);
    private LiveTable? _live;

    public void Report(TimeSpan elapsed, TimeSpan interval)
    {
        var rows = Sample(interval);
        if (!redraw) output.WriteLine(ProgressView.Line(elapsed, rows));
        else if (_live is null) _live = new LiveTable(output, ProgressView.Table(elapsed, rows));
        else _live.Show(ProgressView.Table(elapsed, rows));
    }

    /// <summary>The last report; on a terminal the table stays on screen and the console is handed back.</summary>
    public void Finish(TimeSpan elapsed, TimeSpan interval)
    {
        Report(elapsed, interval);
        Dispose();
    }

    public void Dispose()
    {
        _live?.Dispose();
        _live = null;
    }

    private List<WriterProgress> Sample(TimeSpan interval)
    {
        var rows = new List<WriterProgress>(writers.Count);
        foreach (var writer in writers)
        {
            var stats = writer.Stats;
            var handled = stats.Written + stats.DeadLettered;
            var rate = (handled - _lastHandled.GetValueOrDefault(stats.WriterName)) / Math.Max(interval.TotalSeconds, 0.001);
            _lastHandled[stats.WriterName] = handled;
            rows.Add(new WriterProgress(stats.WriterName, rate, stats.Written, writer.Source.Backlog, stats.DeadLettered, stats.Retries, writer.Budget.InUse));
        }
        return rows;
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):F1} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        _ => $"{bytes} B",
    };
}

/// <summary>One writer at one report. <paramref name="Backlog"/> is null where the bus cannot tell it.</summary>
public sealed record WriterProgress(string Writer, double MessagesPerSecond, long Written, long? Backlog, long DeadLettered, long Retries, long InFlightBytes);
