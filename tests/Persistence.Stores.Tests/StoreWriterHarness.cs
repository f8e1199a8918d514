using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks.Registry;

namespace Persistence.Stores.Tests;

/// <summary>One writer type over an in-process bus with a DLQ, on real stores; a writer can be stopped and another started on the same subscription.</summary>
public sealed class StoreWriterHarness(WriterType type, WriterDependencies deps)
{
    public InProcessBus Bus { get; } = new();
    public InProcessSubscription Input => Bus.EnsureSubscription("in", "writer");
    public InProcessSubscription DeadLetters => Bus.EnsureSubscription("dlq", "dlq-reader");
    public static readonly WriterOptions Options = new() { MaxBatchMessages = 50, BatchLingerMilliseconds = 100, RetryInitialMilliseconds = 20, RetryMaxMilliseconds = 200 };

    public IRunnableWriter Writer()
    {
        _ = Input;
        _ = DeadLetters;
        var parts = new LoopParts(new WriterIdentity("classified-writer", type.ToString()), Bus.OpenSource("in", "writer"),
            new DeadLetterPublisher(Bus.OpenPublisher("dlq")), Options, new ByteBudget(16 << 20), NullLogger.Instance);
        return WriterFactory.Create(type, "", deps with { OpenPublisher = Bus.OpenPublisher }, parts);
    }

    public Task PublishAsync(IEnumerable<byte[]> payloads) =>
        Bus.OpenPublisher("in").PublishAsync(payloads.Select(p => new OutboundMessage(p)).ToList(), default).AsTask();

    public async Task<List<(byte[] Payload, DeadLetterContext Context)>> ReadDeadLettersAsync()
    {
        await using var source = Bus.OpenSource("dlq", "dlq-reader");
        var letters = new List<(byte[], DeadLetterContext)>();
        while (DeadLetters.Backlog > 0)
        {
            var delivery = await source.ReceiveAsync(default);
            letters.Add((delivery.Message.Payload.ToArray(), DeadLetterPublisher.FromAttributes(delivery.Message.Attributes)!));
            await delivery.AckAsync(default);
        }
        return letters;
    }
}
