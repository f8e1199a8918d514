using System.Diagnostics;
using StackExchange.Redis;

namespace Persistence.Stores.Tests;

/// <summary>A real redis-server on a free loopback port, which a test may stop and start again on the same port.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private Process? _server;
    public int Port { get; } = ServerProcess.FreePort();
    public string? SkipReason { get; private set; }
    public IConnectionMultiplexer Redis { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (ServerProcess.Which("redis-server") is null)
        {
            SkipReason = "redis-server is not installed (apt-get install -y redis-server, or run tests/run-all.sh as root)";
            return;
        }
        await StartAsync();
        Redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", Port } }, AbortOnConnectFail = false, ConnectTimeout = 2_000, AsyncTimeout = 2_000,
        });
    }

    public async Task StartAsync()
    {
        _server = ServerProcess.Start("redis-server", "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no");
        await ServerProcess.WaitForPortAsync(Port, TimeSpan.FromSeconds(20));
    }

    public void Stop() => ServerProcess.Kill(_server);

    public void SkipIfMissing()
    {
        if (SkipReason is not null) Assert.Skip(SkipReason);
    }

    public async ValueTask DisposeAsync()
    {
        if (Redis is not null) await Redis.DisposeAsync();
        Stop();
    }
}

/// <summary>A three-node Redis Cluster on loopback (no replicas), as redis_is_clustered deployments use.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private readonly List<Process> _nodes = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("redis-cluster-").FullName;
    public int[] Ports { get; } = [ServerProcess.FreePort(), ServerProcess.FreePort(), ServerProcess.FreePort()];
    public string? SkipReason { get; private set; }
    public IConnectionMultiplexer Redis { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (ServerProcess.Which("redis-server") is null || ServerProcess.Which("redis-cli") is null)
        {
            SkipReason = "redis-server or redis-cli is not installed (apt-get install -y redis-server redis-tools)";
            return;
        }
        foreach (var port in Ports)
        {
            _nodes.Add(ServerProcess.Start("redis-server", "--port", port.ToString(), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                "--cluster-config-file", Path.Combine(_directory, $"nodes-{port}.conf"), "--save", "", "--appendonly", "no", "--dir", _directory));
            await ServerProcess.WaitForPortAsync(port, TimeSpan.FromSeconds(20));
        }
        await ServerProcess.RunAsync("redis-cli", ["--cluster", "create", .. Ports.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "0", "--cluster-yes"]);
        // Slots are assigned; wait until every node agrees the cluster is up.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await AllNodesOkAsync())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the Redis Cluster did not reach cluster_state:ok");
            await Task.Delay(200);
        }
        Redis = await ConnectionMultiplexer.ConnectAsync(string.Join(",", Ports.Select(p => $"127.0.0.1:{p}")));
    }

    private async Task<bool> AllNodesOkAsync()
    {
        foreach (var port in Ports)
            if (!(await ServerProcess.RunAsync("redis-cli", "-p", port.ToString(), "cluster", "info")).Contains("cluster_state:ok"))
                return false;
        return true;
    }

    public void SkipIfMissing()
    {
        if (SkipReason is not null) Assert.Skip(SkipReason);
    }

    public async ValueTask DisposeAsync()
    {
        if (Redis is not null) await Redis.DisposeAsync();
        foreach (var node in _nodes) ServerProcess.Kill(node);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
