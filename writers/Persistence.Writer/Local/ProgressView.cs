using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Persistence.Writer.Local;

/// <summary>How a report looks: a Spectre.Console table for a terminal, one line for a log.</summary>
public static class ProgressView
{
    /// <summary>
    /// "[  12.0s] 8 writers: 4210 msg/s, written 31200, backlog 1204, dead-lettered 120, retries 0, in flight 1.2 MiB; most behind: w (backlog 900)".
    /// Backlog sums what the buses can tell ("?" when none can).
    /// </summary>
    public static string Line(TimeSpan elapsed, IReadOnlyList<WriterProgress> rows)
    {
        var known = rows.Where(r => r.Backlog is not null).ToList();
        var backlog = known.Count == 0 ? "?" : known.Sum(r => r.Backlog!.Value).ToString(CultureInfo.InvariantCulture);
        var behind = known.Where(r => r.Backlog > 0).MaxBy(r => r.Backlog);
        var mostBehind = behind is null ? "" : $"; most behind: {behind.Writer} (backlog {behind.Backlog})";
        var rate = rows.Sum(r => r.MessagesPerSecond);
        var inFlight = ProgressReporter.Bytes(rows.Sum(r => r.InFlightBytes));
        return string.Create(CultureInfo.InvariantCulture,
            $"[{elapsed.TotalSeconds,6:F1}s] {rows.Count} writers: {rate:F0} msg/s, written {rows.Sum(r => r.Written)}, backlog {backlog}, dead-lettered {rows.Sum(r => r.DeadLettered)}, retries {rows.Sum(r => r.Retries)}, in flight {inFlight}{mostBehind}");
    }

    public static IRenderable Table(TimeSpan elapsed, IReadOnlyList<WriterProgress> rows)
    {
        var table = new Table()
            .Border(TableBorder.Simple)
            .Title(string.Create(CultureInfo.InvariantCulture, $"local: {elapsed.TotalSeconds:F1}s"))
            .AddColumn(new TableColumn("writer").NoWrap())
            .AddColumns(new[] { "msg/s", "written", "backlog", "dead", "retries", "in-flight" }.Select(h => new TableColumn(h).RightAligned()).ToArray());
        foreach (var row in rows)
        {
            table.AddRow(
                Markup.Escape(row.Writer),
                row.MessagesPerSecond.ToString("F0", CultureInfo.InvariantCulture),
                row.Written.ToString(CultureInfo.InvariantCulture),
                row.Backlog?.ToString(CultureInfo.InvariantCulture) ?? "?",
                row.DeadLettered > 0 ? $"[yellow]{row.DeadLettered}[/]" : "0",
                row.Retries > 0 ? $"[red]{row.Retries}[/]" : "0",
                ProgressReporter.Bytes(row.InFlightBytes));
        }
        return table;
    }
}
