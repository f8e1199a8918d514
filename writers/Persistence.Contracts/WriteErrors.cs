namespace Persistence.Contracts;

/// <summary>How the writer loop treats a failed write (the table is in docs/bus-contracts.md, "Error classification").</summary>
public enum WriteErrorKind
{
    /// <summary>The store is away or busy: retried with backoff for as long as the writer runs; never dead-lettered.</summary>
    Transient,
    /// <summary>The message can never be written as it is: isolated from its batch and dead-lettered with the reason.</summary>
    Permanent,
    /// <summary>No table knows the error (a bug): retried a bounded number of times, then treated as permanent.</summary>
    Unknown,
}

/// <summary>
/// Thrown by a store or sink for a write that can never succeed as it is (for example a value the store refuses).
/// The runtime writes the batch in smaller parts to isolate the bad messages and dead-letters them with
/// <see cref="ErrorClass"/> (e.g. "postgres_22021") in their context.
/// </summary>
public class PermanentWriteException(string reason, Exception? inner = null, string errorClass = "permanent")
    : Exception(reason, inner)
{
    /// <summary>Short machine-readable reason, recorded as the dead letter's error class and in the per-class metric.</summary>
    public string ErrorClass => errorClass;
}

/// <summary>
/// Thrown by a store adapter for a failure that passes by itself (connection lost, timeout, the server busy or
/// starting). The runtime retries it with backoff, never dead-letters it, never acknowledges the message meanwhile.
/// </summary>
public sealed class TransientWriteException(string reason, Exception? inner = null, string errorClass = "transient")
    : Exception(reason, inner)
{
    public string ErrorClass => errorClass;
}
