using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks.Registry;

namespace Persistence.Cloud.Tests;

/// <summary>One writer on the in-process bus with short retry delays, and its dead-letter queue.</summary>
public sealed class WriterHarness : IAsyncDisposable
{
    private readonly InProcessBus _bus = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private readonly IMessageSource _deadLetters;

    public WriterHarness(WriterType type, WriterDependencies deps, int maxBatchMessages = 20, int concurrency = 2)
    {
        Input = _bus.EnsureSubscription("in", "writer");
        DeadLetterQueue = _bus.EnsureSubscription("dlq", "inspect");
        _deadLetters = _bus.OpenSource("dlq", "inspect");
        var options = new WriterOptions
        {
            MaxBatchMessages = maxBatchMessages, BatchLingerMilliseconds = 5, Concurrency = concurrency,
            RetryInitialMilliseconds = 50, RetryMaxMilliseconds = 300,
        };
        var parts = new LoopParts(new WriterIdentity("cloud-writer", type.ToString()), _bus.OpenSource("in", "writer"),
            new DeadLetterPublisher(_bus.OpenPublisher("dlq")), options, new ByteBudget(16 << 20), NullLogger.Instance);
        Writer = WriterFactory.Create(type, "", deps with { OpenPublisher = _bus.OpenPublisher }, parts);
        _run = Writer.RunAsync(_stop.Token);
    }

    public IRunnableWriter Writer { get; }
    public InProcessSubscription Input { get; }
    public InProcessSubscription DeadLetterQueue { get; }

    public Task PublishAsync(params IMessage[] messages) =>
        _bus.OpenPublisher("in").PublishAsync(messages.Select(m => new OutboundMessage(m.ToByteArray())).ToList(), default).AsTask();

    /// <summary>Takes one dead letter and its context.</summary>
    public async Task<DeadLetterContext> NextDeadLetterAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var delivery = await _deadLetters.ReceiveAsync(timeout.Token);
        return DeadLetterPublisher.FromAttributes(delivery.Message.Attributes) ?? throw new InvalidOperationException("dead letter without context");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
    }
}
