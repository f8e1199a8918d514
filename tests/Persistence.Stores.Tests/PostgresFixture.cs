using Npgsql;

namespace Persistence.Stores.Tests;

/// <summary>
/// A real PostgreSQL started with initdb and pg_ctl on a free loopback port. PostgreSQL refuses to run as
/// root, so as root it runs as the pgtest user that tests/setup/install-servers.sh creates.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"pg-{Guid.NewGuid():N}");
    public int Port { get; } = ServerProcess.FreePort();
    public string? SkipReason { get; private set; }
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=5;Command Timeout=30;Pooling=true";

    private static bool IsRoot => Environment.UserName == "root";

    public async ValueTask InitializeAsync()
    {
        if (ServerProcess.Which("initdb") is null || ServerProcess.Which("pg_ctl") is null)
        {
            SkipReason = "PostgreSQL's initdb/pg_ctl are not on PATH";
            return;
        }
        if (IsRoot && !File.ReadAllText("/etc/passwd").Contains("\npgtest:"))
        {
            SkipReason = "running as root and the pgtest user is missing (run tests/setup/install-servers.sh)";
            return;
        }
        Directory.CreateDirectory(_directory);
        if (IsRoot) await ServerProcess.RunAsync("chown", "pgtest", _directory);
        await AsPostgresUser("initdb", "-D", DataDirectory, "-U", "postgres", "--auth=trust", "--no-sync");
        await StartAsync();
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    public Task StartAsync() => AsPostgresUser("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start");

    public Task StopAsync() => AsPostgresUser("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop");

    public void SkipIfMissing()
    {
        if (SkipReason is not null) Assert.Skip(SkipReason);
    }

    private static Task<string> AsPostgresUser(string tool, params string[] args) =>
        IsRoot ? ServerProcess.RunAsync("runuser", ["-u", "pgtest", "--", tool, .. args]) : ServerProcess.RunAsync(tool, args);

    public async ValueTask DisposeAsync()
    {
        if (SkipReason is not null) return;
        if (DataSource is not null) await DataSource.DisposeAsync();
        try { await StopAsync(); } catch (InvalidOperationException) { }
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
