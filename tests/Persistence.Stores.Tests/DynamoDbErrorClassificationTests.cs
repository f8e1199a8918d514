using System.Net;
using Amazon.DynamoDBv2;
using Google.Protobuf;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Sinks.Online;
using Persistence.Stores.DynamoDb;
using static Persistence.Stores.Tests.DynamoDbWriterHarness;
using static Persistence.Tests.Shared.Eventually;

namespace Persistence.Stores.Tests;

/// <summary>Every DynamoDB error is a skip, a retry or a dead letter: the table, and what dynalite actually answers.</summary>
public sealed class DynamoDbErrorClassificationTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private static OnlineValue Online(string key, double value) =>
        new(key, "user.score", Values.Of(value), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

    [Theory]
    [InlineData("ConditionalCheckFailedException", HttpStatusCode.BadRequest, DynamoDbErrorClass.Skipped)]
    [InlineData("ProvisionedThroughputExceededException", HttpStatusCode.BadRequest, DynamoDbErrorClass.Transient)]
    [InlineData("ThrottlingException", HttpStatusCode.BadRequest, DynamoDbErrorClass.Transient)]
    [InlineData("RequestLimitExceeded", HttpStatusCode.BadRequest, DynamoDbErrorClass.Transient)]
    [InlineData("InternalServerError", HttpStatusCode.InternalServerError, DynamoDbErrorClass.Transient)]
    [InlineData("ServiceUnavailable", HttpStatusCode.ServiceUnavailable, DynamoDbErrorClass.Transient)]
    [InlineData("ResourceNotFoundException", HttpStatusCode.BadRequest, DynamoDbErrorClass.Transient)]
    [InlineData("AccessDeniedException", HttpStatusCode.BadRequest, DynamoDbErrorClass.Transient)]
    [InlineData("ExpiredTokenException", HttpStatusCode.BadRequest, DynamoDbErrorClass.Transient)]
    [InlineData("ValidationException", HttpStatusCode.BadRequest, DynamoDbErrorClass.Permanent)]
    [InlineData("SerializationException", HttpStatusCode.BadRequest, DynamoDbErrorClass.Permanent)]
    public void Each_error_code_has_its_class(string code, HttpStatusCode status, DynamoDbErrorClass expected)
    {
        var error = new AmazonDynamoDBException("test", Amazon.Runtime.ErrorType.Sender, code, "request-id", status);
        Assert.Equal(expected, DynamoDbErrors.Classify(error));
    }

    [Fact]
    public void Network_failures_and_timeouts_are_transient()
    {
        Assert.Equal(DynamoDbErrorClass.Transient, DynamoDbErrors.Classify(new HttpRequestException("Connection refused")));
        Assert.Equal(DynamoDbErrorClass.Transient, DynamoDbErrors.Classify(new TaskCanceledException("timeout")));
    }

    [Fact]
    public async Task An_item_dynamodb_refuses_is_permanent_naming_table_and_key_while_the_rest_of_the_batch_lands()
    {
        fixture.SkipIfMissing();
        var table = await fixture.CreateTableAsync();
        var store = new DynamoDbOnlineStore(fixture.Client, fixture.Options(table));
        // A partition key over 2048 bytes is a ValidationException.
        var tooLong = "online:user.score:user:" + new string('x', 3000);
        var good = Enumerable.Range(0, 10).Select(i => $"online:user.score:user:{Guid.NewGuid():N}").ToList();

        var error = await Assert.ThrowsAsync<PermanentWriteException>(() => store.WriteAsync([.. good.Select(k => Online(k, 1)), Online(tooLong, 1)], default));

        Assert.Contains($"DynamoDB table {table} rejected 1 of 11 items", error.Message);
        Assert.Contains("ValidationException", error.Message);
        Assert.Equal(10, store.Written);
    }

    [Fact]
    public async Task A_missing_table_is_transient_and_names_the_table_and_the_setting()
    {
        fixture.SkipIfMissing();
        var store = new DynamoDbOnlineStore(fixture.Client, fixture.Options("no_such_table"));
        var error = await Assert.ThrowsAsync<DynamoDbUnavailableException>(() => store.WriteAsync([Online("online:user.score:user:1", 1)], default));
        Assert.Contains("table no_such_table does not exist (yet): check Stores:DynamoDb:Table", error.Message);
    }

    [Fact]
    public async Task Through_the_writer_only_the_message_with_the_refused_item_is_dead_lettered()
    {
        fixture.SkipIfMissing();
        var table = await fixture.CreateTableAsync();
        var (writer, input, publisher, deadLetters) = OnlineWriter(new DynamoDbOnlineStore(fixture.Client, fixture.Options(table)));
        using var stop = new CancellationTokenSource();
        var run = writer.RunAsync(stop.Token);
        var entities = Enumerable.Range(0, 9).Select(i => $"{Guid.NewGuid():N}").Append(new string('x', 3000)).ToList();

        await publisher.PublishAsync(entities.Select((e, i) => new OutboundMessage(Result(e, i).ToByteArray())).ToList(), default);
        // The loop counts a batch after its last ack, so wait for both.
        await WaitAsync(() => input.Acked == 10 && writer.Stats.DeadLettered == 1,
            () => $"all 10 acknowledged and one dead-lettered (acked {input.Acked}, dead-lettered {writer.Stats.DeadLettered})");

        Assert.Equal(1, writer.Stats.DeadLettered);
        Assert.Equal(1, deadLetters.Backlog);
        var scanned = await fixture.Client.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest { TableName = table });
        Assert.Equal(entities.Take(9).Select(e => OnlineKeys.For(Score.Fqn, $"user:{e}")).Order(), scanned.Items.Select(i => i[OnlineTableLayout.Key].S).Order());
        await stop.CancelAsync();
        await run;
    }
}
