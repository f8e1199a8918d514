using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;

namespace Persistence.Runtime.Tests;

/// <summary>Transient failures retry and never dead-letter; messages that can never succeed go to the DLQ with context.</summary>
public sealed class RetryAndDeadLetterTests
{
    [Fact]
    public async Task Transient_sink_errors_are_retried_until_written_and_nothing_is_dead_lettered()
    {
        var harness = new LoopHarness();
        harness.Sink.Behaviour = (_, call) => call <= 3 ? throw new IOException("store unavailable") : Task.FromResult<WriteResult?>(null);
        harness.Publish("a", "b");
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer();
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 2, "the write to succeed after retries");
        Assert.Equal(3, writer.Stats.Retries);
        Assert.Equal(0, writer.Stats.DeadLettered);
        Assert.Equal(0, harness.DeadLetters.Backlog);
        Assert.Equal(["a", "b"], harness.Sink.Written.Order());
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Undecodable_and_rejected_messages_are_dead_lettered_with_context_and_the_rest_written()
    {
        var harness = new LoopHarness();
        harness.Sink.Behaviour = (values, _) => Task.FromResult<WriteResult?>(new WriteResult(
            values.Select((v, i) => (v, i)).Where(x => x.v == "reject-me").Select(x => new Rejection(x.i, "schema_conflict", "column x is INT, message has STRING")).ToList()));
        harness.Publish("ok-1", "bad:not protobuf", "reject-me", "ok-2");
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer();
        var run = writer.RunAsync(stop.Token);

        await harness.WaitAckedAsync(writer, 4, "all four settled");
        Assert.Equal(["ok-1", "ok-2"], harness.Sink.Written.Order());
        Assert.Equal(2, writer.Stats.Written);
        Assert.Equal(2, writer.Stats.DeadLettered);

        var letters = await harness.ReadDeadLettersAsync();
        Assert.Equal(["bad:not protobuf", "reject-me"], letters.Select(l => l.Payload).Order());
        var decode = DeadLetterPublisher.FromAttributes(letters.Single(l => l.Payload.StartsWith("bad:")).Attributes)!;
        Assert.Equal(("decode", LoopHarness.Subscription, "test-writer", "ONLINE_WRITER"), (decode.ErrorClass, decode.Source, decode.WriterName, decode.WriterType));
        Assert.Contains("malformed", decode.ErrorMessage);
        Assert.StartsWith("input-", decode.MessageId);
        var rejected = DeadLetterPublisher.FromAttributes(letters.Single(l => l.Payload == "reject-me").Attributes)!;
        Assert.Equal("schema_conflict", rejected.ErrorClass);
        Assert.Equal(1, rejected.Attempts);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_batch_rejected_as_a_whole_is_split_so_only_the_bad_message_is_dead_lettered()
    {
        var harness = new LoopHarness();
        harness.Sink.Behaviour = (values, _) => values.Contains("poison") ? throw new PermanentWriteException("value out of range") : Task.FromResult<WriteResult?>(null);
        harness.Publish("a", "poison", "b");
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer();
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 3, "all three settled");
        Assert.Equal(["a", "b"], harness.Sink.Written.Order());
        var letter = Assert.Single(await harness.ReadDeadLettersAsync());
        Assert.Equal("poison", letter.Payload);
        Assert.Equal("value out of range", DeadLetterPublisher.FromAttributes(letter.Attributes)!.ErrorMessage);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_message_is_not_acknowledged_until_its_dead_letter_is_published()
    {
        var harness = new LoopHarness();
        var dlq = new FlakyPublisher(harness.Bus.OpenPublisher(LoopHarness.DeadLetterTopic), failures: 3);
        harness.Publish("bad:x");
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer(deadLetterPublisher: dlq);
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 1, "the dead letter to be published");
        Assert.Equal(4, dlq.Attempts);
        Assert.Single(await harness.ReadDeadLettersAsync());
        await stop.CancelAsync();
        await run;
    }

    private sealed class FlakyPublisher(IMessagePublisher inner, int failures) : IMessagePublisher
    {
        public int Attempts;
        public string Topic => inner.Topic;
        public ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken) =>
            ++Attempts <= failures ? throw new IOException("dlq unavailable") : inner.PublishAsync(messages, cancellationToken);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
