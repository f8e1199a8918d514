using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;
using Persistence.Runtime.Tests;

namespace Persistence.Buses.Tests;

/// <summary>The unchanged writer loop with a text decoder and a scripted sink, on whichever bus a test gives it.</summary>
internal static class BusTestWriters
{
    public static readonly WriterOptions Fast = new() { MaxBatchMessages = 20, BatchLingerMilliseconds = 5, RetryInitialMilliseconds = 5, RetryMaxMilliseconds = 50 };

    public static IRunnableWriter Writer(IMessageBus bus, SourceAddress reads, string name, ScriptedSink sink, string dlq, long budget = 1 << 20, WriterOptions? options = null) =>
        new LoopParts(new WriterIdentity(name, "ONLINE_WRITER"), bus.OpenSource(reads), new DeadLetterPublisher(bus.OpenPublisher(dlq)),
            options ?? Fast, new ByteBudget(budget), NullLogger.Instance).Loop(new TextDecoder(), sink);

    /// <summary>Publishes UTF-8 payloads, each keyed by itself (Kafka partitions by key; Pub/Sub ignores it).</summary>
    public static Task PublishAsync(IMessageBus bus, string topic, IEnumerable<string> payloads) =>
        bus.OpenPublisher(topic).PublishAsync(payloads.Select(p => new OutboundMessage(Encoding.UTF8.GetBytes(p), Key: p)).ToList(), default).AsTask();
}
