using System.CommandLine;
using Persistence.Writer;
using Persistence.Writer.Cli;

namespace Persistence.Writers.Tests;

/// <summary>persistence-writer's verbs: help generated per verb from its definition, and the exit codes 2 (usage) and 3 (configuration).</summary>
public sealed class WriterCliTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = await WriterCli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData(new[] { "local", "--help" }, "--budget-bytes <N>", "[default: 5000]")]
    [InlineData(new[] { "help", "local" }, "--redis-clustered", "--malformed <SHARE>")]
    [InlineData(new[] { "run", "--help" }, "--type <WRITER_TYPE>", "ONLINE_VECTOR_STORE_WRITER")]
    [InlineData(new[] { "topics", "ensure", "--help" }, "--dlq-retention-hours <N>", "[default: 336]")]
    [InlineData(new[] { "help" }, "local", "topics")]
    public async Task Each_verb_has_help_from_its_definition(string[] args, string expected, string alsoExpected)
    {
        var (code, output, errors) = await RunAsync(args);
        Assert.True(code == 0, errors);
        Assert.Contains(expected, output);
        Assert.Contains(alsoExpected, output);
    }

    [Theory]
    [InlineData(new string[0], "name a command: run, local, topics")]
    [InlineData(new[] { "deploy" }, "unknown command 'deploy'; commands are run, local, topics")]
    [InlineData(new[] { "local", "--speed", "9" }, "local: unknown option --speed; options are --queries,")]
    [InlineData(new[] { "local", "--queries", "many" }, "--queries must be a number (got 'many')")]
    [InlineData(new[] { "local", "--bus", "sqs" }, "local: --bus 'sqs' is not one of inprocess, pubsub")]
    [InlineData(new[] { "local", "--bus", "@bus.txt" }, "local: --bus '@bus.txt' is not one of")] // a value, not a response file
    [InlineData(new[] { "topics" }, "topics: name a command: ensure")]
    [InlineData(new[] { "topics", "ensure", "--partitions", "six" }, "--partitions must be a number (got 'six')")]
    [InlineData(new[] { "topics", "ensure" }, "topics ensure: name the topics with --topics a,b,c")]
    [InlineData(new[] { "run", "--type", "GO_METRICS_WRITER" }, "unknown writer type 'GO_METRICS_WRITER'; valid types: ONLINE_WRITER,")]
    public async Task Usage_errors_exit_2_with_the_problem_and_the_verbs_help(string[] args, string message)
    {
        var (code, output, errors) = await RunAsync(args);
        Assert.Equal(WriterCli.UsageError, code);
        Assert.Empty(output);
        Assert.StartsWith("error: ", errors);
        Assert.Contains(message, errors);
        Assert.Contains("Usage:", errors);
        if (args.Length > 0 && args[0] != "deploy") Assert.Contains($" {string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')))} [", errors);
    }

    [Fact]
    public async Task A_writer_without_its_settings_exits_3_naming_the_keys()
    {
        // Settings come from the environment: make sure none of the required ones are there.
        var saved = new[] { "Bus__Backend", "Bus__DeadLetterTopic", "Writer__Subscription" }.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var key in saved.Keys) Environment.SetEnvironmentVariable(key, null);
        try
        {
            var (code, _, errors) = await RunAsync("run", "--type", "ONLINE_WRITER", "--name", "online-writer");
            Assert.Equal(WriterCli.ConfigurationError, code);
            Assert.Contains("configuration error:", errors);
            Assert.Contains("Bus:Backend is required", errors);
            Assert.Contains("Bus:DeadLetterTopic is required", errors);
        }
        finally
        {
            foreach (var (key, value) in saved) Environment.SetEnvironmentVariable(key, value);
        }
    }

    [Fact]
    public async Task Topics_ensure_takes_the_arguments_the_stack_renders_for_its_job()
    {
        // The shape ClusterObjects renders; with no Kafka settings in the environment the body refuses with exit 3, not 2.
        var saved = Environment.GetEnvironmentVariable("Bus__Kafka__BootstrapServers");
        Environment.SetEnvironmentVariable("Bus__Kafka__BootstrapServers", null);
        try
        {
            var (code, _, errors) = await RunAsync("topics", "ensure", "--topics", "result-bus,metrics-bus", "--dlq", "dlq-1",
                "--partitions", "6", "--replication", "3", "--retention-hours", "168", "--dlq-retention-hours", "336");
            Assert.True(code == WriterCli.ConfigurationError, errors);
            Assert.Contains("Bus:Kafka:BootstrapServers", errors);
        }
        finally
        {
            Environment.SetEnvironmentVariable("Bus__Kafka__BootstrapServers", saved);
        }
    }

    [Fact]
    public async Task A_self_parsing_verb_gets_its_tokens_in_order_and_its_usage_as_help()
    {
        string[]? received = null;
        var verb = VerbOptions.SelfParsing("echo", "echo [--times N] [--only a,b]", (args, _) => { received = args; return Task.FromResult(7); });
        var root = new RootCommand("test") { verb };
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var configuration = new InvocationConfiguration { Output = stdout, Error = stderr };

        var code = await root.Parse(["echo", "child", "--times", "3", "--only=kafka,redis"]).InvokeAsync(configuration);

        Assert.Equal(7, code);
        Assert.Equal(["child", "--times", "3", "--only=kafka,redis"], received!);
        Assert.Equal(0, await root.Parse(["echo", "--help"]).InvokeAsync(configuration));
        Assert.Contains("echo [--times N] [--only a,b]", stdout.ToString());
    }
}
