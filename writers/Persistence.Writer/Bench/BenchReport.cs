using System.Globalization;

namespace Persistence.Writer.Bench;

/// <summary>Three (or --runs) measurements of one figure: min, median, max.</summary>
public sealed record Figures(IReadOnlyList<double> Runs)
{
    public double Min => Runs.Min();
    public double Max => Runs.Max();
    public double Median
    {
        get
        {
            var sorted = Runs.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    public string Text(string format) => string.Create(CultureInfo.InvariantCulture, $"{Min.ToString(format, CultureInfo.InvariantCulture)} / {Median.ToString(format, CultureInfo.InvariantCulture)} / {Max.ToString(format, CultureInfo.InvariantCulture)}");
}

/// <summary>
/// One line of the table: ours and the limit for the same work, each min/median/max, and the ratio of the
/// medians (ours / limit) against its target: a minimum for throughput, a maximum (<paramref name="AtMost"/>)
/// for latency and memory.
/// </summary>
public sealed record BenchRow(string Path, string Unit, Figures? Ours, Figures? Limit, double Target, bool AtMost = false, string? Skipped = null, string? Note = null)
{
    public double? Ratio => Ours is null || Limit is null || Limit.Median == 0 ? null : Ours.Median / Limit.Median;
    public bool Met => Ratio is { } r && (AtMost ? r <= Target : r >= Target);

    /// <summary>
    /// Each run's own ratio (ours and the limit measured one right after the other), min / median / max: how far the
    /// machine's drift moved single runs, which the ratio of the medians smooths over.
    /// </summary>
    public Figures? RatioPerRun => Ours is null || Limit is null || Ours.Runs.Count != Limit.Runs.Count || Limit.Runs.Any(l => l == 0)
        ? null
        : new Figures([.. Ours.Runs.Zip(Limit.Runs, (o, l) => o / l)]);

    public static BenchRow Skip(string path, string reason) => new(path, "", null, null, 0, Skipped: reason);
}

public static class BenchTable
{
    public static void Print(TextWriter output, IReadOnlyList<BenchRow> rows, int runs)
    {
        output.WriteLine();
        output.WriteLine($"persistence-writer bench: min / median / max of {runs} runs; ratio = ours / limit (medians); ratio per run = each run's own, min / median / max");
        output.WriteLine();
        var header = new[] { "path", "unit", "ours", "limit", "ratio", "ratio per run", "target", "met" };
        var lines = rows.Select(r => r.Skipped is { } reason
            ? new[] { r.Path, "", "skipped", reason, "", "", "", "" }
            : new[]
            {
                r.Path, r.Unit, r.Ours!.Text(Format(r.Ours.Median)), r.Limit!.Text(Format(r.Limit.Median)),
                r.Ratio?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-",
                r.RatioPerRun?.Text("0.00") ?? "-",
                (r.AtMost ? "<= " : ">= ") + r.Target.ToString("0.00", CultureInfo.InvariantCulture),
                r.Met ? "yes" : "NO",
            }).ToList();
        var widths = header.Select((h, i) => Math.Min(60, Math.Max(h.Length, lines.Count == 0 ? 0 : lines.Max(l => l[i].Length)))).ToArray();
        void Line(string[] cells) => output.WriteLine("| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |");
        Line(header);
        output.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var line in lines) Line(line);
        foreach (var note in rows.Where(r => r.Note is not null))
            output.WriteLine($"  {note.Path}: {note.Note}");
    }

    private static string Format(double value) => value >= 100 ? "0" : value >= 10 ? "0.0" : "0.00";
}
