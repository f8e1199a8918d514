using Persistence.Writer.Bench;

namespace Persistence.Writers.Tests;

/// <summary>`bench`'s verdict: the ratio of the medians against the target, and each run's own ratio beside it.</summary>
public sealed class BenchReportTests
{
    [Fact]
    public void The_ratio_is_of_the_medians_and_each_runs_own_ratio_shows_the_spread()
    {
        // Drift moved run 2 down on both sides and run 3 on ours only.
        var row = new BenchRow("offline", "rows/s", new Figures([90, 50, 60]), new Figures([100, 60, 100]), 0.8);

        Assert.Equal(60, row.Ours!.Median);
        Assert.Equal(100, row.Limit!.Median);
        Assert.Equal(0.6, row.Ratio!.Value, 6);
        Assert.False(row.Met);
        Assert.Equal([0.9, 50.0 / 60, 0.6], row.RatioPerRun!.Runs);
        Assert.Equal((0.6, 50.0 / 60, 0.9), (row.RatioPerRun.Min, row.RatioPerRun.Median, row.RatioPerRun.Max));
    }

    [Fact]
    public void A_latency_row_is_met_at_or_under_its_target()
    {
        var row = new BenchRow("pubsub", "ms p99", new Figures([52, 51]), new Figures([50, 51]), 1.5, AtMost: true);

        Assert.Equal(51.5 / 50.5, row.Ratio!.Value, 6);
        Assert.True(row.Met);
        Assert.False((row with { Ours = new Figures([90, 80]) }).Met);
    }

    [Fact]
    public void The_table_prints_every_row_with_its_verdict_and_a_skipped_row_with_its_reason()
    {
        var output = new StringWriter();

        BenchTable.Print(output,
        [
            new BenchRow("offline", "rows/s", new Figures([90, 85, 95]), new Figures([100, 100, 100]), 0.8),
            BenchRow.Skip("redis", "redis-server not found: install it or pass --redis HOST:PORT"),
        ], runs: 3);

        var lines = output.ToString().Split('\n', StringSplitOptions.TrimEntries);
        var offline = Assert.Single(lines, l => l.StartsWith("| offline", StringComparison.Ordinal));
        Assert.Equal(["offline", "rows/s", "85.0 / 90.0 / 95.0", "100 / 100 / 100", "0.90", "0.85 / 0.90 / 0.95", ">= 0.80", "yes"], Cells(offline));
        var redis = Assert.Single(lines, l => l.StartsWith("| redis", StringComparison.Ordinal));
        Assert.Equal(["redis", "", "skipped", "redis-server not found: install it or pass --redis HOST:PORT", "", "", "", ""], Cells(redis));
    }

    private static string[] Cells(string line) => [.. line.Trim('|').Split('|').Select(c => c.Trim())];
}
