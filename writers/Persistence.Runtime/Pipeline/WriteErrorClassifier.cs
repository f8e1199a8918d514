using System.Net.Sockets;
using Persistence.Contracts;

namespace Persistence.Runtime.Pipeline;

/// <summary>A failed write's class: what the loop does with it, and the short reason recorded in metrics and the DLQ.</summary>
public readonly record struct WriteError(WriteErrorKind Kind, string ErrorClass);

/// <summary>
/// Reads the class a store adapter gave an error (<see cref="TransientWriteException"/>, <see cref="PermanentWriteException"/>);
/// errors no adapter classified fall back to a short table: network and timeout errors are transient, anything else
/// is unknown (a bug) and named by its type. The stores' own tables are in docs/bus-contracts.md.
/// </summary>
public static class WriteErrorClassifier
{
    public static WriteError Classify(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (Known(e) is { } known)
                return known;
            if (e is AggregateException { InnerExceptions.Count: > 0 } aggregate)
                return Classify(aggregate.InnerExceptions[0]);
        }
        return new WriteError(WriteErrorKind.Unknown, error.GetType().Name);
    }

    private static WriteError? Known(Exception e) => e switch
    {
        TransientWriteException t => new(WriteErrorKind.Transient, t.ErrorClass),
        PermanentWriteException p => new(WriteErrorKind.Permanent, p.ErrorClass),
        MessageDecodeException => new(WriteErrorKind.Permanent, "decode"),
        // A driver's own timeout (the loop's cancellation is handled before classification).
        TimeoutException or OperationCanceledException => new(WriteErrorKind.Transient, "timeout"),
        IOException or SocketException or HttpRequestException => new(WriteErrorKind.Transient, "network"),
        // A client's own resilience layer (e.g. Microsoft.Extensions.Http.Resilience) timed out, broke its circuit or
        // hit its rate limit: the target is failing or saturated, not the message.
        Polly.ExecutionRejectedException => new(WriteErrorKind.Transient, "rejected"),
        _ => null,
    };
}
