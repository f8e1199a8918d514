namespace Persistence.Stores.Http.Mirror;

/// <summary>The mirror target is failing (5xx, 429, 408, timeouts, unreachable). Transient: the writer loop backs off and retries.</summary>
public sealed class MirrorTargetUnavailableException(string message) : IOException(message);
