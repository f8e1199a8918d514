using Persistence.Writer.Cli;
using Persistence.Writer.Local;

namespace Persistence.Writers.Tests;

/// <summary>`persistence-writer local`: the whole topology on a small workload reconciles every message.</summary>
[Collection("console")]
public sealed class LocalRunTests
{
    [Fact]
    public async Task A_small_local_run_reconciles_every_published_message()
    {
        var outDir = Directory.CreateTempSubdirectory("local-run-").FullName;
        var output = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(output);
        int code;
        try
        {
            code = await LocalCommand.RunAsync(["--queries", "300", "--rows", "4", "--malformed", "0.05", "--bulk-files", "3", "--out", outDir, "--quiet"], CancellationToken.None);
        }
        finally
        {
            Console.SetOut(previous);
        }
        var text = output.ToString();
        Assert.True(code == 0, text);
        Assert.Contains("RECONCILED", text);
        Assert.DoesNotContain("MISMATCH", text);
        Assert.Contains("offline query_log", text);
        Assert.True(File.Exists(Path.Combine(outDir, "stores.duckdb")));
    }

    [Theory]
    [InlineData(new[] { "--queries", "many" }, "--queries must be a number")]
    [InlineData(new[] { "--queries", "0" }, "--queries must be at least 1")]
    [InlineData(new[] { "--speed", "9" }, "unknown option --speed")]
    [InlineData(new[] { "--malformed", "0.9" }, "--malformed must be between 0 and 0.5")]
    public async Task Bad_options_are_refused_with_what_to_change(string[] args, string message)
    {
        var error = await Assert.ThrowsAsync<UsageException>(() => LocalCommand.RunAsync(args, CancellationToken.None));
        Assert.Contains(message, error.Message);
    }
}
