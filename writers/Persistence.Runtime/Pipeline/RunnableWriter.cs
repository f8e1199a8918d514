using Microsoft.Extensions.Logging;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Diagnostics;
using Persistence.Runtime.Options;

namespace Persistence.Runtime.Pipeline;

/// <summary>A writer ready to run: the loop with its source, sink and counters.</summary>
public interface IRunnableWriter
{
    WriterIdentity Identity { get; }
    IMessageSource Source { get; }
    WriterStats Stats { get; }
    ByteBudget Budget { get; }
    Task RunAsync(CancellationToken stopping);
}

/// <summary>Everything a loop needs besides its decoder and sink.</summary>
public sealed record LoopParts(
    WriterIdentity Identity,
    IMessageSource Source,
    DeadLetterPublisher DeadLetters,
    WriterOptions Options,
    ByteBudget Budget,
    ILogger Logger)
{
    public IRunnableWriter Loop<T>(IMessageDecoder<T> decoder, ISink<T> sink) =>
        new WriterLoop<T>(Identity, Source, decoder, sink, DeadLetters, Options, Budget, new WriterStats(Identity.Name), Logger);
}
