namespace Persistence.Runtime.Pipeline;

/// <summary>A message that cannot be decoded or is structurally invalid. It goes to the dead-letter queue.</summary>
public sealed class MessageDecodeException(string reason, Exception? inner = null)
    : Exception(reason, inner);
