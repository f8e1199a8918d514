using Amazon.DynamoDBv2.Model;
using Google.Protobuf;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Sinks.Online;
using Persistence.Stores.DynamoDb;
using static Persistence.Stores.Tests.DynamoDbWriterHarness;
using static Persistence.Tests.Shared.Eventually;

namespace Persistence.Stores.Tests;

/// <summary>dynalite goes away and comes back: the online writer retries, loses nothing and dead-letters nothing.</summary>
public sealed class DynamoDbOutageTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private async Task<bool> HasAsync(string table, string key) =>
        (await fixture.Client.GetItemAsync(new GetItemRequest { TableName = table, ConsistentRead = true, Key = new() { [OnlineTableLayout.Key] = new AttributeValue { S = key } } }))
        .Item is { Count: > 0 };

    [Fact]
    public async Task The_online_writer_rides_out_a_dynalite_restart_without_loss_or_dead_letters()
    {
        fixture.SkipIfMissing();
        var table = await fixture.CreateTableAsync();
        // Its own client: the fixture's is used to check, and both must survive the restart.
        using var client = fixture.Options(table).CreateClient();
        var (writer, input, publisher, deadLetters) = OnlineWriter(new DynamoDbOnlineStore(client, fixture.Options(table)));
        using var stop = new CancellationTokenSource();
        var run = writer.RunAsync(stop.Token);
        var run_id = Guid.NewGuid().ToString("N")[..8];
        string Entity(int i) => $"{run_id}-{i}";

        await publisher.PublishAsync(Enumerable.Range(0, 50).Select(i => new OutboundMessage(Result(Entity(i), i).ToByteArray())).ToList(), default);
        await WaitAsync(() => input.Acked == 50, "the first 50 written");

        fixture.Stop();
        await publisher.PublishAsync(Enumerable.Range(50, 50).Select(i => new OutboundMessage(Result(Entity(i), i).ToByteArray())).ToList(), default);
        await WaitAsync(() => writer.Stats.Retries > 0, "writes to fail while dynalite is down");
        Assert.True(input.Acked < 100, "nothing may be acknowledged while the store is down");
        await fixture.StartAsync();

        await WaitAsync(() => input.Acked == 100, () => $"everything written after dynalite came back (acked {input.Acked}, retries {writer.Stats.Retries})");
        Assert.Equal(0, writer.Stats.DeadLettered);
        Assert.Equal(0, deadLetters.Backlog);
        // dynalite keeps its data on disk, so the items written before the outage are still there too.
        for (var i = 0; i < 100; i++)
            Assert.True(await HasAsync(table, OnlineKeys.For(Score.Fqn, $"user:{Entity(i)}")), $"user:{Entity(i)} missing");
        await stop.CancelAsync();
        await run;
    }
}
