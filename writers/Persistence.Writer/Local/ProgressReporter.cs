using System.Globalization;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Local;

/// <summary>Prints per-writer throughput, backlog and dead letters while the topology runs.</summary>
public sealed class ProgressReporter(IReadOnlyList<IRunnableWriter> writers, TextWriter output, bool redraw)
{
    private readonly Dictionary<string, long> _lastWritten = new(StringComparer.Ordinal);
    private int _linesDrawn;

    public void Report(TimeSpan elapsed, TimeSpan interval)
    {
        var lines = new List<string> { string.Create(CultureInfo.InvariantCulture, $"[{elapsed.TotalSeconds,5:F1}s] {"writer",-40} {"msg/s",8} {"written",9} {"backlog",8} {"dead",5} {"retries",7} {"in-flight",10}") };
        foreach (var writer in writers)
        {
            var stats = writer.Stats;
            var written = stats.Written + stats.DeadLettered;
            var rate = (written - _lastWritten.GetValueOrDefault(stats.WriterName)) / Math.Max(interval.TotalSeconds, 0.001);
            _lastWritten[stats.WriterName] = written;
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"         {stats.WriterName,-40} {rate,8:F0} {stats.Written,9} {writer.Source.Backlog?.ToString(CultureInfo.InvariantCulture) ?? "?",8} {stats.DeadLettered,5} {stats.Retries,7} {Bytes(writer.Budget.InUse),10}"));
        }
        if (redraw && _linesDrawn > 0)
            output.Write($"\u001b[{_linesDrawn}A");
        foreach (var line in lines)
            output.WriteLine(redraw ? line + "\u001b[K" : line);
        _linesDrawn = lines.Count;
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):F1} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        _ => $"{bytes} B",
    };
}
