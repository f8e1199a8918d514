using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Npgsql;

namespace Persistence.Writer.Bench;

/// <summary>
/// The servers a bench run compares against: given on the command line, or started here on free loopback ports
/// (redis-server, PostgreSQL by initdb/pg_ctl — as the pgtest user when root —, librdkafka's mock cluster, the
/// Pub/Sub emulator). A server that cannot be found or started leaves its reason, and its rows print as skipped.
/// </summary>
public sealed class BenchServers : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly List<Action> _cleanup = [];
    private IProducer<Null, byte[]>? _kafkaOwner;

    public string? Redis { get; private set; }
    public string? RedisSkip { get; private set; }
    public NpgsqlConnectionStringBuilder? Postgres { get; private set; }
    public string? PostgresSkip { get; private set; }
    public string? KafkaBootstrap { get; private set; }
    public string? KafkaSkip { get; private set; }
    public string? PubSubEmulator { get; private set; }
    public string? PubSubSkip { get; private set; }

    private static bool IsRoot => Environment.UserName == "root";

    public async Task StartRedisAsync(string? given)
    {
        if (given is not null) { Redis = given; return; }
        if (Which("redis-server") is null || Which("redis-benchmark") is null) { RedisSkip = "redis-server or redis-benchmark is not installed (apt-get install redis-server redis-tools)"; return; }
        var port = FreePort();
        _processes.Add(Start("redis-server", "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"));
        await WaitForPortAsync(port).ConfigureAwait(false);
        Redis = $"127.0.0.1:{port}";
    }

    public async Task StartPostgresAsync(string? given)
    {
        if (given is not null) { Postgres = new NpgsqlConnectionStringBuilder(given); return; }
        if (Which("initdb") is null || Which("pg_ctl") is null || Which("psql") is null) { PostgresSkip = "PostgreSQL's initdb, pg_ctl or psql is not on PATH"; return; }
        if (IsRoot && !File.ReadAllText("/etc/passwd").Contains("\npgtest:", StringComparison.Ordinal))
        {
            PostgresSkip = "running as root and the pgtest user is missing (run tests/setup/install-servers.sh)";
            return;
        }
        var directory = Path.Combine(Path.GetTempPath(), $"bench-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        if (IsRoot) await RunAsync("chown", "pgtest", directory).ConfigureAwait(false);
        var data = Path.Combine(directory, "data");
        var port = FreePort();
        await AsPostgresUser("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync").ConfigureAwait(false);
        // fsync off as in the tests: the comparison is of client paths, not of the disk; both sides share the setting.
        await AsPostgresUser("pg_ctl", "-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
            "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start").ConfigureAwait(false);
        _cleanup.Add(() =>
        {
            try { AsPostgresUser("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop").Wait(); } catch (AggregateException) { }
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        });
        Postgres = new NpgsqlConnectionStringBuilder($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=10;Command Timeout=300");
    }

    public void StartKafka(string? given)
    {
        if (given is not null) { KafkaBootstrap = given; return; }
        var config = new ProducerConfig();
        config.Set("test.mock.num.brokers", "1");
        _kafkaOwner = new ProducerBuilder<Null, byte[]>(config).Build();
        using var admin = new DependentAdminClientBuilder(_kafkaOwner.Handle).Build();
        var brokers = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers;
        KafkaBootstrap = string.Join(",", brokers.Select(b => $"{b.Host}:{b.Port}"));
    }

    public async Task StartPubSubAsync(string? given)
    {
        if (given is not null) { PubSubEmulator = given; return; }
        var gcloud = Which("gcloud");
        if (gcloud is null) { PubSubSkip = "gcloud (Google Cloud CLI with the Pub/Sub emulator) is not installed"; return; }
        var hostPort = $"127.0.0.1:{FreePort()}";
        var process = Start(gcloud, "beta", "emulators", "pubsub", "start", $"--host-port={hostPort}", "--project=bench", "--quiet");
        _processes.Add(process);
        try { await WaitForPortAsync(int.Parse(hostPort.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromSeconds(90)).ConfigureAwait(false); }
        catch (TimeoutException) { PubSubSkip = "the Pub/Sub emulator did not start within 90 s (is the pubsub-emulator component installed?)"; return; }
        await Task.Delay(1000).ConfigureAwait(false); // the port opens a moment before the server answers
        PubSubEmulator = hostPort;
    }

    public static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static Process Start(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a command to completion and returns its output; throws with the output when it fails.</summary>
    public static async Task<string> RunAsync(string file, params string[] args) => await RunAsync(file, null, args).ConfigureAwait(false);

    public static async Task<string> RunAsync(string file, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        var output = await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {output}");
        return output;
    }

    private static Task<string> AsPostgresUser(string tool, params string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "pgtest", "--", tool, .. args]) : RunAsync(tool, args);

    public static async Task WaitForPortAsync(int port, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                throw new TimeoutException($"nothing listens on 127.0.0.1:{port}");
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try { if (!process.HasExited) { process.Kill(entireProcessTree: true); process.WaitForExit(10_000); } }
            catch (InvalidOperationException) { }
            process.Dispose();
        }
        foreach (var clean in _cleanup) clean();
        _kafkaOwner?.Dispose();
        return ValueTask.CompletedTask;
    }
}
