using Persistence.Writer.Cli;
using Persistence.Tests.Shared;
using Persistence.Writer.Local;

namespace Persistence.Writers.Tests;

/// <summary>`persistence-writer local`: the whole topology on a small workload reconciles every message.</summary>
[Collection("console")]
public sealed class LocalRunTests(PubSubEmulator emulator) : IClassFixture<PubSubEmulator>
{
    private static async Task<(int Code, string Text)> RunLocalAsync(params string[] args)
    {
        var output = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(output);
        try
        {
            return (await LocalCommand.RunAsync(args, CancellationToken.None), output.ToString());
        }
        finally
        {
            Console.SetOut(previous);
        }
    }

    [Fact]
    public async Task A_small_local_run_reconciles_every_published_message()
    {
        var outDir = Directory.CreateTempSubdirectory("local-run-").FullName;
        var (code, text) = await RunLocalAsync("--queries", "300", "--rows", "4", "--malformed", "0.05", "--bulk-files", "3", "--out", outDir, "--quiet");
        Assert.True(code == 0, text);
        Assert.Contains("RECONCILED", text);
        Assert.DoesNotContain("MISMATCH", text);
        Assert.Contains("offline query_log", text);
        Assert.True(File.Exists(Path.Combine(outDir, "stores.duckdb")));
    }

    [Fact]
    public async Task A_local_run_over_the_pub_sub_emulator_reconciles_every_published_message()
    {
        emulator.SkipIfMissing();
        var outDir = Directory.CreateTempSubdirectory("local-pubsub-").FullName;
        var (code, text) = await RunLocalAsync("--queries", "200", "--rows", "3", "--malformed", "0.05", "--bulk-files", "2", "--out", outDir, "--quiet",
            "--bus", "pubsub", "--pubsub-emulator", emulator.HostPort);
        Assert.True(code == 0, text);
        Assert.Contains($"the Pub/Sub emulator at {emulator.HostPort}", text);
        Assert.Contains("RECONCILED", text);
        Assert.Matches(@"dead-letter queue\s+[1-9]\d* / [1-9]", text);
    }

    [Fact]
    public async Task A_pub_sub_run_without_an_emulator_says_how_to_start_one()
    {
        var previous = Environment.GetEnvironmentVariable("PUBSUB_EMULATOR_HOST");
        Environment.SetEnvironmentVariable("PUBSUB_EMULATOR_HOST", null);
        try
        {
            var error = await Assert.ThrowsAsync<UsageException>(() => LocalCommand.RunAsync(["--bus", "pubsub", "--quiet"], CancellationToken.None));
            Assert.Contains("gcloud beta emulators pubsub start", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PUBSUB_EMULATOR_HOST", previous);
        }
    }

    [Theory]
    [InlineData(new[] { "--bus", "sqs" }, "--bus 'sqs' is not one of inprocess, pubsub")]
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
