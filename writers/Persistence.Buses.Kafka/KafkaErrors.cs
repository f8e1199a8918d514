using Confluent.Kafka;
using Persistence.Contracts;

namespace Persistence.Buses.Kafka;

/// <summary>
/// Publish errors as the writer loop should treat them (docs/bus-contracts.md, "Error classification"): a message the
/// brokers will never take (too large, invalid) is permanent, so the message that produced it is isolated and
/// dead-lettered; anything else (brokers unreachable, delivery timed out, leader elections) is transient.
/// </summary>
public static class KafkaErrors
{
    public static Exception Classify(KafkaException e) => e.Error.Code switch
    {
        ErrorCode.MsgSizeTooLarge or ErrorCode.InvalidMsg or ErrorCode.InvalidMsgSize or ErrorCode.InvalidRecord =>
            new PermanentWriteException($"Kafka refused the message: {e.Error.Reason} ({e.Error.Code})", e, "kafka_" + e.Error.Code),
        _ => new TransientWriteException($"Kafka publish failed (transient, retrying): {e.Error.Reason} ({e.Error.Code})", e, "kafka_" + e.Error.Code),
    };

    public static async Task GuardAsync(Task publishes)
    {
        try
        {
            await publishes.ConfigureAwait(false);
        }
        catch (KafkaException e)
        {
            throw Classify(e);
        }
    }
}
