using System.Net.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Tests.Shared;
using Persistence.Writer.Hosting;

namespace Persistence.Writers.Tests;

/// <summary>
/// A writer checks its bus and stores at start: not ready until they answer, exit 3 naming the setting and the
/// endpoint (never a password) when one never answers within Writer:StartupTimeoutSeconds.
/// </summary>
public sealed class StartupChecksTests
{
    private static Dictionary<string, string> OnlineWriterOn(int redisPort, string workDir) => new()
    {
        ["Writer:Type"] = "ONLINE_WRITER", ["Writer:Subscription"] = "result-bus-online", ["Writer:HealthPort"] = "0",
        ["Bus:Backend"] = "Kafka", ["Bus:DeadLetterTopic"] = "dlq",
        ["Stores:Redis:Connection"] = $"127.0.0.1:{redisPort},password=sekrit-redis-password",
        ["Stores:Embedded:Path"] = Path.Combine(workDir, "persistence.duckdb"),
    };

    [Fact]
    public async Task A_store_and_a_bus_never_reached_exit_3_naming_each_setting_and_endpoint_without_the_password()
    {
        var workDir = Directory.CreateTempSubdirectory("startup-closed-").FullName;
        var (redisPort, kafkaPort) = (ServerProcess.FreePort(), ServerProcess.FreePort());
        var settings = OnlineWriterOn(redisPort, workDir);
        settings["Bus:Kafka:BootstrapServers"] = $"127.0.0.1:{kafkaPort}";
        settings["Writer:StartupTimeoutSeconds"] = "3";
        using var writer = WriterProcess.Start(settings, workDir, "run");

        Assert.Equal(3, await writer.ExitCodeAsync());
        var output = writer.Output;
        Assert.Contains($"Stores:Redis:Connection: Redis at 127.0.0.1:{redisPort} did not answer within 3s (Writer:StartupTimeoutSeconds)", output);
        Assert.Contains($"Bus:Kafka:BootstrapServers: Kafka at 127.0.0.1:{kafkaPort} did not answer within 3s", output);
        Assert.DoesNotContain("sekrit-redis-password", output);
        Assert.DoesNotContain("   at ", output); // a list of problems, not a stack trace
        // Redis holds online values here: the writer had no reason to create the embedded file.
        Assert.False(File.Exists(Path.Combine(workDir, "persistence.duckdb")), "an ONLINE_WRITER on Redis opened the embedded store");
    }

    [Fact]
    public async Task A_pub_sub_endpoint_never_reached_exits_3_naming_it()
    {
        var workDir = Directory.CreateTempSubdirectory("startup-pubsub-").FullName;
        var emulatorPort = ServerProcess.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["Writer:Type"] = "METRICS_WRITER", ["Writer:Subscription"] = "result-bus-metrics", ["Writer:OutputTopic"] = "metrics-bus", ["Writer:HealthPort"] = "0",
            ["Writer:StartupTimeoutSeconds"] = "3", ["Bus:Backend"] = "PubSub", ["Bus:DeadLetterTopic"] = "dlq",
            ["Bus:PubSub:ProjectId"] = "startup-test", ["Bus:PubSub:EmulatorHost"] = $"127.0.0.1:{emulatorPort}",
        };
        using var writer = WriterProcess.Start(settings, workDir, "run");

        Assert.Equal(3, await writer.ExitCodeAsync());
        Assert.Contains($"Bus:PubSub:EmulatorHost: Pub/Sub at 127.0.0.1:{emulatorPort} did not answer within 3s (Writer:StartupTimeoutSeconds)", writer.Output);
    }

    [Fact]
    public async Task A_bus_setting_that_does_not_convert_exits_3_naming_the_key()
    {
        var workDir = Directory.CreateTempSubdirectory("startup-convert-").FullName;
        var settings = OnlineWriterOn(ServerProcess.FreePort(), workDir);
        settings["Bus:Kafka:BootstrapServers"] = "127.0.0.1:9092";
        settings["Bus:Kafka:SessionTimeoutMs"] = "abc";
        using var writer = WriterProcess.Start(settings, workDir, "run");

        Assert.Equal(3, await writer.ExitCodeAsync());
        Assert.Contains("configuration error:", writer.Output);
        Assert.Contains("'Bus:Kafka:SessionTimeoutMs'", writer.Output);
        Assert.DoesNotContain("   at ", writer.Output);
    }

    [Fact]
    public async Task A_second_writer_on_a_locked_embedded_file_exits_3_naming_the_setting()
    {
        var workDir = Directory.CreateTempSubdirectory("startup-lock-").FullName;
        // Two offline stages on one embedded file, as two pods sharing a volume would: the first holds it while it
        // waits for its (absent) bus; the second must refuse the file by setting, not abort.
        var settings = new Dictionary<string, string>
        {
            ["Writer:Type"] = "OFFLINE_STORE_STREAMING_INSERT_WRITER", ["Writer:Subscription"] = "streaming", ["Writer:HealthPort"] = "0",
            ["Bus:Backend"] = "Kafka", ["Bus:DeadLetterTopic"] = "dlq", ["Bus:Kafka:BootstrapServers"] = $"127.0.0.1:{ServerProcess.FreePort()}",
            ["Writer:StartupTimeoutSeconds"] = "60",
        };
        using var first = WriterProcess.Start(settings, workDir, "run");
        await Eventually.WaitAsync(() => File.Exists(Path.Combine(workDir, "persistence.duckdb")) || first.HasExited, "the first writer to open its embedded file");
        Assert.False(first.HasExited, first.Output);

        using var second = WriterProcess.Start(settings, workDir, "run");
        Assert.Equal(3, await second.ExitCodeAsync());
        Assert.Contains("Stores:Embedded:Path:", second.Output);
        Assert.Contains("is held by another process", second.Output);
    }

    [Fact]
    public async Task Readyz_answers_only_once_the_store_answers()
    {
        if (ServerProcess.Which("redis-server") is null) Assert.Skip("redis-server is not installed (apt-get install -y redis-server, or run tests/run-all.sh as root)");
        var workDir = Directory.CreateTempSubdirectory("startup-ready-").FullName;
        var redisPort = ServerProcess.FreePort();
        var healthPort = ServerProcess.FreePort();
        var settings = OnlineWriterOn(redisPort, workDir).ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        settings["Stores:Redis:Connection"] = $"127.0.0.1:{redisPort}";
        settings["Writer:HealthPort"] = healthPort.ToString();
        settings["Writer:StartupTimeoutSeconds"] = "120";
        settings.Remove("Bus:Backend");
        using var host = WriterHost.Build(WriterHost.CreateEmptyBuilder(settings), new InProcessBus());
        var starting = host.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{healthPort}/"), Timeout = TimeSpan.FromSeconds(5) };
        async Task<int> Status(string path)
        {
            try { return (int)(await http.GetAsync(path)).StatusCode; }
            catch (HttpRequestException) { return 0; }
        }
        await WaitForAsync(async () => await Status("healthz") == 200, "/healthz to answer while the writer waits for Redis");
        Assert.Equal(503, await Status("readyz"));
        Assert.False(starting.IsCompleted);

        var redis = ServerProcess.Start("redis-server", "--port", redisPort.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no");
        try
        {
            await starting.WaitAsync(TimeSpan.FromSeconds(60));
            await WaitForAsync(async () => await Status("readyz") == 200, "/readyz once Redis answers");
            Assert.Contains("persistence_writer_received_total{writer=\"online-writer\",type=\"ONLINE_WRITER\"} 0", await http.GetStringAsync("metrics"));
            await host.StopAsync();
            Assert.Null(host.Services.GetRequiredService<WriterReadiness>().Failure);
        }
        finally
        {
            ServerProcess.Kill(redis);
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
