using System.Text.RegularExpressions;
using Persistence.Writer.Local;

namespace Persistence.Writers.Tests;

/// <summary>`local`'s live view when stdout is not a terminal: one line per report, no table, no cursor movement.</summary>
[Collection("console")]
public sealed partial class LocalProgressTests
{
    [GeneratedRegex(@"^\[\s*\d+\.\ds\] 8 writers: \d+ msg/s, written (?<written>\d+), backlog (\d+|\?), dead-lettered (?<dead>\d+), retries \d+, in flight [\d.]+ (B|KiB|MiB)(; most behind: [a-z-]+ \(backlog \d+\))?$")]
    private static partial Regex ProgressLine();

    [GeneratedRegex(@"^  \S+\s+received\s+\d+\s+written\s+(?<written>\d+)\s+dead-lettered\s+(?<dead>\d+)")]
    private static partial Regex SummaryLine();

    [Fact]
    public void A_report_is_one_line_with_the_totals_and_the_writer_most_behind()
    {
        WriterProgress[] rows =
        [
            new("online-writer", 1200.4, 31_000, 12, 40, 0, 1536),
            new("offline-writer", 800.2, 20_000, 900, 20, 3, 2 << 20),
            new("query-mirror-consumer", 10, 500, null, 0, 0, 0),
        ];

        var line = ProgressView.Line(TimeSpan.FromSeconds(12.04), rows);

        Assert.Equal("[  12.0s] 3 writers: 2011 msg/s, written 51500, backlog 912, dead-lettered 60, retries 3, in flight 2.0 MiB; most behind: offline-writer (backlog 900)", line);
        Assert.Contains("backlog ?", ProgressView.Line(TimeSpan.Zero, [rows[2]]));
        Assert.DoesNotContain("most behind", ProgressView.Line(TimeSpan.Zero, [rows[2]]));
    }

    [Fact]
    public async Task A_run_whose_output_is_not_a_terminal_prints_progress_lines_not_a_table()
    {
        if (!Console.IsOutputRedirected) Assert.Skip("stdout of this test process is a terminal, so `local` redraws a live table instead");
        var output = new StringWriter();
        var outDir = Directory.CreateTempSubdirectory("local-progress-").FullName;

        var code = await LocalCommand.RunAsync(["--queries", "200", "--rows", "3", "--bulk-files", "2", "--out", outDir], output, CancellationToken.None);

        var text = output.ToString();
        Assert.True(code == 0, text);
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotMatch(@"msg/s\s+written\s+backlog", text); // a table header
        var lines = text.Split(Environment.NewLine);
        var progress = lines.Where(l => l.StartsWith('[')).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, l => Assert.Matches(ProgressLine(), l));
        // The last report comes after the writers stopped: its totals are the summary's.
        var last = ProgressLine().Match(progress[^1]);
        var summary = lines.Select(l => SummaryLine().Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(8, summary.Count);
        Assert.Equal(summary.Sum(m => long.Parse(m.Groups["written"].Value)), long.Parse(last.Groups["written"].Value));
        Assert.Equal(summary.Sum(m => long.Parse(m.Groups["dead"].Value)), long.Parse(last.Groups["dead"].Value));
    }
}
