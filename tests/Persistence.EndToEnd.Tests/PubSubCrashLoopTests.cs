using System.Diagnostics;
using Persistence.Contracts;
using Persistence.Infra.Config;

namespace Persistence.EndToEnd.Tests;

/// <summary>
/// Issue #9's crash loop, on the prod stack as rendered (Pub/Sub with the stack's subscriptions: 120 s ack deadline,
/// dead-letter policy after 10 attempts, 10-600 s retry backoff): while a publisher sends about 200 query results a
/// second, the online writer and the streaming insert writer are killed with SIGKILL and restarted five times.
/// Nothing may be lost, no offline row written twice, every online value must be the newest, and no valid message
/// may reach the DLQ, neither from a writer nor through the subscription's dead-letter policy. Writers reach the
/// emulator through <see cref="Persistence.Tests.Shared.PubSubFrontEnd"/>, which ends a killed writer's stream as
/// Google's service does; without it the emulator keeps every killed writer's stream taking messages.
/// </summary>
public sealed class PubSubCrashLoopTests(LoopbackFixture servers)
{
    private const int PerSecond = 200;
    private static readonly int Seconds = int.Parse(Environment.GetEnvironmentVariable("E2E_SECONDS") ?? "30", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly int Crashes = int.Parse(Environment.GetEnvironmentVariable("E2E_CRASHES") ?? "5", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Writers_killed_five_times_under_load_lose_nothing_repeat_nothing_and_dead_letter_nothing()
    {
        servers.SkipIfMissing();
        var stack = RenderedStack.Render("prod");
        var postgres = stack.Config.Stores.Postgres!;
        await servers.ResetStoresAsync(postgres.Database, postgres.Username);
        await using var bus = await StackBus.PubSubAsync(stack, servers.PubSub.HostPort);
        var loopback = new LoopbackServers(null, servers.WritersPubSubHostPort, $"127.0.0.1:{servers.Redis.Port}", "127.0.0.1",
            servers.Postgres.Port, LoopbackFixture.PostgresPassword, servers.Mirror.Url);
        await using var pods = new WriterPods(stack, loopback);
        var online = stack.Writer(nameof(WriterType.ONLINE_WRITER));
        var streaming = stack.Writer(nameof(WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER));
        await pods.StartAsync([online, stack.Writer(nameof(WriterType.OFFLINE_WRITER)), streaming]);

        var workload = new Workload(users: 40, start: DateTimeOffset.UtcNow.AddMinutes(-5)); // well inside max_staleness (1 h), so online keys live
        var resultBus = stack.Config.Bus.Topics.Topic(LogicalBus.ResultBus)!;
        var clock = Stopwatch.StartNew();
        var publishing = Task.Run(async () =>
        {
            // 10 results every 50 ms, paced by the clock so a slow publish does not lower the rate for good.
            for (var tick = 0; tick < Seconds * 20; tick++)
            {
                var due = TimeSpan.FromMilliseconds(tick * 50) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due);
                await bus.PublishAsync(resultBus, [.. Enumerable.Range(tick * 10, 10).Select(i => workload.Result(i))]);
            }
        });

        var restarts = new List<string>();
        for (var crash = 1; crash <= Crashes; crash++)
        {
            await Task.Delay(TimeSpan.FromSeconds(Seconds / (Crashes + 1.0)));
            var killedAt = clock.Elapsed;
            await Task.WhenAll(pods.CrashAndRestartAsync(online.Name), pods.CrashAndRestartAsync(streaming.Name));
            restarts.Add($"crash {crash} at {killedAt.TotalSeconds:F1}s: both writers healthy again after {(clock.Elapsed - killedAt).TotalSeconds:F1}s");
        }
        await publishing;
        var published = clock.Elapsed;
        Console.WriteLine($"published {workload.Published} in {published.TotalSeconds:F1}s");
        var expected = Seconds * PerSecond;
        Assert.Equal(expected, workload.Published);

        await using var database = servers.Database(postgres.Database);
        var landed = new Landed(servers.Redis.Redis, database);
        var lastReport = TimeSpan.Zero;
        await Eventually.WaitAsync(async () => (clock.Elapsed - lastReport < TimeSpan.FromSeconds(5) || Progress(await landed.CountAsync("SELECT count(*) FROM feature__user__age")))
                                               && await landed.CountAsync("SELECT count(*) FROM feature__user__age") >= expected
                                               && await landed.CountAsync("SELECT count(*) FROM feature__user__score") >= expected
                                               && await landed.CountAsync("SELECT count(*) FROM query_log") >= expected
                                               && await RenderedEnvironmentTests.OnlineIsNewestAsync(landed, workload),
            () => $"every result landed offline and the newest online (offline {landed.CountAsync("SELECT count(*) FROM feature__user__age").Result}, " +
                  $"query_log {landed.CountAsync("SELECT count(*) FROM query_log").Result} of {expected}; online: {RenderedEnvironmentTests.OnlineMismatchAsync(landed, workload).Result})\n{servers.PubSubFrontEndReport}\n{DeadLettersBySource(bus)}\n{pods.Counters()}\n{pods.Outputs()}\n{pods.History}", 120);
        var caughtUp = clock.Elapsed;

        static string DeadLettersBySource(StackBus bus)
        {
            var letters = bus.DrainDeadLettersAsync(TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();
            return $"on the DLQ: {letters.Count} (" + string.Join(", ", letters.GroupBy(l => l.Attributes.GetValueOrDefault("CloudPubSubDeadLetterSourceSubscription") ?? l.Attributes.GetValueOrDefault("x-origin-topic") ?? "?")
                .Select(g => $"{g.Key}: {g.Count()}")) + ")";
        }

        bool Progress(long rows)
        {
            lastReport = clock.Elapsed;
            Console.WriteLine($"  {clock.Elapsed.TotalSeconds:F0}s: {rows} of {expected} offline");
            return true;
        }

        var (rows, distinct) = await landed.OfflineAsync("feature__user__age");
        Assert.Equal((expected, expected), (rows, distinct));
        Assert.Equal((expected, expected), await landed.OfflineAsync("feature__user__score"));
        Assert.Equal(expected, await landed.CountAsync("SELECT count(DISTINCT query_id) FROM query_log"));
        Assert.Equal(expected, await landed.CountAsync("SELECT count(*) FROM query_log"));
        var letters = await bus.DrainDeadLettersAsync(TimeSpan.FromSeconds(5));
        if (letters.Count > 0)
            Assert.Fail($"{letters.Count} valid results reached the DLQ, e.g. attributes {string.Join(", ", letters[0].Attributes.Select(a => $"{a.Key}={a.Value}"))}");
        pods.AssertAllRunning();

        var report = $"crash loop: {expected} results at {PerSecond}/s published in {published.TotalSeconds:F1}s, {Crashes} SIGKILLs of {online.Name} and {streaming.Name}; " +
                     $"everything landed {(caughtUp - published).TotalSeconds:F1}s after the last publish; 0 on the DLQ\n  " + string.Join("\n  ", restarts);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Console.WriteLine(report);
    }
}
