using System.Net.Sockets;
using Persistence.Contracts;
using Persistence.Runtime.Pipeline;

namespace Persistence.Runtime.Tests;

/// <summary>
/// The loop acts on each error's class: transient is retried for ever, permanent is isolated and dead-lettered at once,
/// unknown (a bug) gets Writer:MaxAttemptsBeforeIsolation attempts, then the batch is split and what still fails alone
/// is dead-lettered with its exception type. One message never stops the writer.
/// </summary>
public sealed class ErrorClassificationTests
{
    [Theory]
    [InlineData("transient", WriteErrorKind.Transient, "redis_loading")]
    [InlineData("permanent", WriteErrorKind.Permanent, "postgres_22021")]
    [InlineData("io", WriteErrorKind.Transient, "network")]
    [InlineData("socket", WriteErrorKind.Transient, "network")]
    [InlineData("timeout", WriteErrorKind.Transient, "timeout")]
    [InlineData("wrapped-socket", WriteErrorKind.Transient, "network")]
    [InlineData("aggregate-permanent", WriteErrorKind.Permanent, "postgres_22021")]
    [InlineData("polly-timeout", WriteErrorKind.Transient, "rejected")]
    [InlineData("bug", WriteErrorKind.Unknown, "NullReferenceException")]
    public void Errors_are_classified_by_their_adapter_or_the_fallback_table(string error, WriteErrorKind kind, string errorClass)
    {
        Exception e = error switch
        {
            "transient" => new TransientWriteException("loading", null, "redis_loading"),
            "permanent" => new PermanentWriteException("invalid byte sequence", null, "postgres_22021"),
            "io" => new IOException("reset"),
            "socket" => new SocketException((int)SocketError.ConnectionRefused),
            "timeout" => new TimeoutException(),
            "wrapped-socket" => new InvalidOperationException("driver", new SocketException((int)SocketError.ConnectionReset)),
            "aggregate-permanent" => new AggregateException(new PermanentWriteException("x", null, "postgres_22021")),
            "polly-timeout" => new Polly.Timeout.TimeoutRejectedException(),
            _ => new NullReferenceException(),
        };
        Assert.Equal(new WriteError(kind, errorClass), WriteErrorClassifier.Classify(e));
    }

    [Fact]
    public void Max_attempts_before_isolation_below_one_is_refused_naming_the_key() =>
        Assert.Contains(new Persistence.Runtime.Options.WriterOptions { Type = WriterType.ONLINE_WRITER, MaxAttemptsBeforeIsolation = 0 }.Problems(),
            p => p.StartsWith("Writer:MaxAttemptsBeforeIsolation must be at least 1", StringComparison.Ordinal));

    [Fact]
    public async Task An_unknown_error_is_retried_a_bounded_number_of_times_then_only_the_failing_message_is_dead_lettered_with_its_type()
    {
        var harness = new LoopHarness();
        var options = LoopHarness.FastOptions with { MaxAttemptsBeforeIsolation = 3 };
        harness.Sink.Behaviour = (values, _) => values.Contains("bug") ? throw new NullReferenceException("the sink has a bug") : Task.FromResult<WriteResult?>(null);
        harness.Publish("a", "b", "bug", "c", "d");
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer(options);
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 5, "all five settled");
        Assert.Equal(["a", "b", "c", "d"], harness.Sink.Written.Order());
        var letter = Assert.Single(await harness.ReadDeadLettersAsync());
        Assert.Equal("bug", letter.Payload);
        var context = DeadLetterPublisher.FromAttributes(letter.Attributes)!;
        Assert.Equal("NullReferenceException", context.ErrorClass);
        Assert.Contains("System.NullReferenceException: the sink has a bug", context.ErrorMessage);
        Assert.True(context.Attempts > 3, $"attempts {context.Attempts}: three for the batch, then the parts alone");
        Assert.Equal(2, writer.Stats.Retries); // the batch's bounded retries; the isolated parts get one attempt each
        Assert.Equal(1, writer.Stats.DeadLettersByClass["NullReferenceException"]);
        Assert.True(writer.Stats.ErrorsByClass["NullReferenceException"] >= 3);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_permanent_error_is_not_retried_and_is_dead_lettered_with_the_class_its_store_gave()
    {
        var harness = new LoopHarness();
        harness.Sink.Behaviour = (values, _) => values.Contains("nul") ? throw new PermanentWriteException("22021: invalid byte sequence for encoding \"UTF8\": 0x00", null, "postgres_22021") : Task.FromResult<WriteResult?>(null);
        harness.Publish("a", "nul", "b");
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer();
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 3, "all three settled");
        Assert.Equal(0, writer.Stats.Retries);
        Assert.Equal(["a", "b"], harness.Sink.Written.Order());
        var context = DeadLetterPublisher.FromAttributes(Assert.Single(await harness.ReadDeadLettersAsync()).Attributes)!;
        Assert.Equal("postgres_22021", context.ErrorClass);
        Assert.StartsWith("22021", context.ErrorMessage);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_transient_error_is_retried_past_the_unknown_bound_and_never_dead_lettered()
    {
        var harness = new LoopHarness();
        var options = LoopHarness.FastOptions with { MaxAttemptsBeforeIsolation = 2 };
        harness.Sink.Behaviour = (_, call) => call <= 12 ? throw new TransientWriteException("LOADING Redis is loading the dataset in memory", null, "redis_loading") : Task.FromResult<WriteResult?>(null);
        harness.Publish("a", "b");
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer(options);
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 2, "the write to succeed once the store is back");
        Assert.Equal(12, writer.Stats.Retries);
        Assert.Equal(12, writer.Stats.ErrorsByClass["redis_loading"]);
        Assert.Equal(0, writer.Stats.DeadLettered);
        Assert.Equal(["a", "b"], harness.Sink.Written.Order());
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_batch_with_one_poison_message_is_bisected_rather_than_written_one_message_at_a_time()
    {
        var harness = new LoopHarness();
        var options = LoopHarness.FastOptions with { MaxBatchMessages = 64, BatchLingerMilliseconds = 200 };
        harness.Sink.Behaviour = (values, _) => values.Contains("m37") ? throw new PermanentWriteException("refused", null, "schema_conflict") : Task.FromResult<WriteResult?>(null);
        harness.Publish([.. Enumerable.Range(0, 64).Select(i => $"m{i}")]);
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer(options);
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 64, "all settled");
        Assert.Equal(63, harness.Sink.Written.Count);
        Assert.Equal("m37", Assert.Single(await harness.ReadDeadLettersAsync()).Payload);
        // One batch of 64: 1 + 2 per level of halving (6 levels) = 13 writes, against 65 one message at a time.
        Assert.True(harness.Sink.Calls <= 13 + 2, $"{harness.Sink.Calls} sink calls");
        await stop.CancelAsync();
        await run;
    }
}
