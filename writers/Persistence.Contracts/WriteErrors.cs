namespace Persistence.Contracts;

/// <summary>
/// Thrown by a sink for a batch that can never be written as it is (for example a schema the store
/// rejects). The runtime then writes the batch's messages one at a time to isolate the bad ones.
/// Any other exception from a sink is transient: retried with backoff, never dead-lettered.
/// </summary>
public sealed class PermanentWriteException(string reason, Exception? inner = null)
    : Exception(reason, inner);
