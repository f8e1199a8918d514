using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;

namespace Persistence.Runtime.Tests;

/// <summary>A writer loop over an in-process bus with a scriptable sink; messages are UTF-8 strings.</summary>
public sealed class LoopHarness
{
    public const string Topic = "input";
    public const string Subscription = "writer-sub";
    public const string DeadLetterTopic = "dlq";

    public InProcessBus Bus { get; } = new();
    public InProcessSubscription Input { get; }
    public InProcessSubscription DeadLetters { get; }
    public ScriptedSink Sink { get; } = new();

    public LoopHarness()
    {
        Input = Bus.EnsureSubscription(Topic, Subscription);
        DeadLetters = Bus.EnsureSubscription(DeadLetterTopic, "dlq-reader");
    }

    public void Publish(params string[] payloads)
    {
        var publisher = Bus.OpenPublisher(Topic);
        publisher.PublishAsync(payloads.Select(p => new OutboundMessage(Encoding.UTF8.GetBytes(p))).ToList(), CancellationToken.None).AsTask().Wait();
    }

    public static WriterOptions FastOptions => new() { MaxBatchMessages = 10, BatchLingerMilliseconds = 5, RetryInitialMilliseconds = 1, RetryMaxMilliseconds = 5 };

    /// <param name="wrapSource">Wraps the bus source, to script what settling does.</param>
    public IRunnableWriter Writer(WriterOptions? options = null, long budgetBytes = 1 << 20, IMessagePublisher? deadLetterPublisher = null,
        Func<IMessageSource, IMessageSource>? wrapSource = null) =>
        new LoopParts(
            new WriterIdentity("test-writer", "ONLINE_WRITER"),
            (wrapSource ?? (s => s))(Bus.OpenSource(Topic, Subscription)),
            new DeadLetterPublisher(deadLetterPublisher ?? Bus.OpenPublisher(DeadLetterTopic)),
            options ?? FastOptions,
            new ByteBudget(budgetBytes),
            NullLogger.Instance).Loop(new TextDecoder(), Sink);

    public async Task<List<(string Payload, IReadOnlyDictionary<string, string> Attributes)>> ReadDeadLettersAsync()
    {
        await using var source = Bus.OpenSource(DeadLetterTopic, "dlq-reader");
        var letters = new List<(string, IReadOnlyDictionary<string, string>)>();
        while (DeadLetters.Backlog > 0)
        {
            var delivery = await source.ReceiveAsync(CancellationToken.None);
            letters.Add((Encoding.UTF8.GetString(delivery.Message.Payload.Span), delivery.Message.Attributes));
            await delivery.AckAsync(CancellationToken.None);
        }
        return letters;
    }

    /// <summary>
    /// Until the bus has acknowledged <paramref name="acked"/> messages and the loop has counted them: the bus counts an
    /// acknowledgement as it happens, the loop once the whole batch is settled, so reading the loop's counters at the
    /// bus's count races that last step.
    /// </summary>
    public Task WaitAckedAsync(IRunnableWriter writer, long acked, string what, int timeoutMs = 10_000) =>
        WaitUntilAsync(() => Input.Acked == acked && writer.Stats.Written + writer.Stats.DeadLettered == acked, what, timeoutMs);

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(5);
        }
    }
}
