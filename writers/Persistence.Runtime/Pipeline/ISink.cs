using Persistence.Runtime.Bus;

namespace Persistence.Runtime.Pipeline;

/// <summary>A decoded message together with where it came from.</summary>
public readonly record struct Decoded<T>(T Value, InboundMessage Message);

/// <summary>A message of a batch that can never be written, and why.</summary>
/// <param name="Attempts">Writes tried for it; 0 lets the loop fill in the batch's attempts.</param>
public sealed record Rejection(int Index, string ErrorClass, string Reason, int Attempts = 0);

public sealed record WriteResult(IReadOnlyList<Rejection> Rejected)
{
    public static readonly WriteResult Ok = new([]);
}

/// <summary>
/// The only part a writer type contributes: write a batch durably. Return normally only once every
/// message not rejected is durable. Reject (or throw <see cref="Persistence.Contracts.PermanentWriteException"/>)
/// for messages that can never succeed; throw anything else for failures, which the loop classifies
/// (<see cref="WriteErrorClassifier"/>): transient ones are retried, unknown ones a bounded number of times.
/// </summary>
public interface ISink<T>
{
    ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<T>> batch, CancellationToken cancellationToken);
}

/// <summary>Turns bus bytes into a typed message. Throws <see cref="MessageDecodeException"/>.</summary>
public interface IMessageDecoder<out T>
{
    T Decode(InboundMessage message);
}
