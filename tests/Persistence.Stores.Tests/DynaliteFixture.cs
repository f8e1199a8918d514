using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Persistence.Contracts;
using Persistence.Stores.DynamoDb;

namespace Persistence.Stores.Tests;

/// <summary>
/// dynalite (npm), a DynamoDB-compatible server, on a free loopback port, with its data in LevelDB on disk so that a
/// test may stop it and start it again on the same port with every item still there (an outage, not a wipe).
/// </summary>
public sealed class DynaliteFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dynalite-").FullName;
    private Process? _server;
    public int Port { get; } = ServerProcess.FreePort();
    public string? SkipReason { get; private set; }
    public string ServiceUrl => $"http://127.0.0.1:{Port}";
    public IAmazonDynamoDB Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (ServerProcess.Which("dynalite") is null)
        {
            SkipReason = "dynalite is not installed (npm install -g dynalite@4.0.0, or run tests/setup/install-servers.sh as root)";
            return;
        }
        await StartAsync();
        Client = Options("unused").CreateClient();
    }

    /// <summary>Store options for a table on this server, as `run` binds them from Stores:DynamoDb.</summary>
    public DynamoDbStoreOptions Options(string table, int maxConcurrency = 16) =>
        new() { Table = table, ServiceUrl = ServiceUrl, MaxConcurrency = maxConcurrency, RequestTimeoutSeconds = 5 };

    /// <summary>A new online table laid out as the stack creates it (hash key online_key, on-demand).</summary>
    public async Task<string> CreateTableAsync()
    {
        var table = $"online_{Guid.NewGuid():N}";
        await Client.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition(OnlineTableLayout.Key, ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement(OnlineTableLayout.Key, KeyType.HASH)],
        });
        // Even with createTableMs 0 a table is CREATING for a moment, and writes to it fail as ResourceNotFound.
        while ((await Client.DescribeTableAsync(table)).Table.TableStatus != TableStatus.ACTIVE) await Task.Delay(20);
        return table;
    }

    public async Task StartAsync()
    {
        // createTableMs 0: tables are ACTIVE at once (dynalite's default keeps them CREATING for 500 ms).
        _server = ServerProcess.Start("dynalite", "--host", "127.0.0.1", "--port", Port.ToString(), "--path", Path.Combine(_directory, "data"),
            "--createTableMs", "0", "--deleteTableMs", "0");
        await ServerProcess.WaitForPortAsync(Port, TimeSpan.FromSeconds(20));
    }

    public void Stop() => ServerProcess.Kill(_server);

    public void SkipIfMissing()
    {
        if (SkipReason is not null) Assert.Skip(SkipReason);
    }

    public ValueTask DisposeAsync()
    {
        Client?.Dispose();
        Stop();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
