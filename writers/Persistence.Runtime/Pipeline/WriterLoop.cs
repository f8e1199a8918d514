using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Diagnostics;
using Persistence.Runtime.Options;

namespace Persistence.Runtime.Pipeline;

/// <summary>Who is writing, for dead-letter context and logs.</summary>
public sealed record WriterIdentity(string Name, string Type);

/// <summary>
/// The one consume -> decode -> batch -> write -> acknowledge loop. Every writer type runs it with its own sink.
/// At-least-once: a message is acknowledged only after its batch is durably written or it is dead-lettered.
/// Bounded: payload bytes in flight never exceed the budget (one oversized message aside); a full budget stops receiving.
/// Graceful: when <c>stopping</c> fires it stops receiving, writes and acknowledges what it holds within the drain
/// timeout, and hands back (nacks) whatever is still unwritten after that.
/// Classified: a failed write is retried or isolated by its error class (<see cref="WriteRetries"/>,
/// <see cref="WriteErrorClassifier"/>), so one message never stops the writer.
/// </summary>
public sealed class WriterLoop<T>(
    WriterIdentity identity,
    IMessageSource source,
    IMessageDecoder<T> decoder,
    ISink<T> sink,
    DeadLetterPublisher deadLetters,
    WriterOptions options,
    ByteBudget budget,
    WriterStats stats,
    ILogger logger) : IRunnableWriter
{
    public WriterIdentity Identity => identity;
    public IMessageSource Source => source;
    public WriterStats Stats => stats;
    public ByteBudget Budget => budget;

    private readonly WriteRetries _retries = new(options, stats, logger, identity.Name);

    public async Task RunAsync(CancellationToken stopping)
    {
        using var abandon = new CancellationTokenSource();
        await using var _ = stopping.Register(() => abandon.CancelAfter(TimeSpan.FromSeconds(options.DrainTimeoutSeconds)));

        var inFlight = Channel.CreateUnbounded<IDelivery>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var receiving = ReceiveAsync(inFlight.Writer, stopping);
        await BatchAndWriteAsync(inFlight.Reader, stopping, abandon.Token).ConfigureAwait(false);
        // Surfaces a bus failure (after everything received was settled), so the process exits non-zero.
        await receiving.ConfigureAwait(false);
    }

    /// <summary>
    /// Handed over in place of a message when the receiver is about to wait (the source has nothing ready, or the
    /// budget is full): nothing more is coming at once, so a partial batch is written now rather than lingering.
    /// </summary>
    private static readonly IDelivery NothingReady = new Marker();

    private async Task ReceiveAsync(ChannelWriter<IDelivery> inFlight, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                // TryReceive does not look at the token: without this, a stop would still drain what the source holds.
                stopping.ThrowIfCancellationRequested();
                if (!source.TryReceive(out var delivery))
                {
                    var next = source.ReceiveAsync(stopping);
                    if (!next.IsCompleted) inFlight.TryWrite(NothingReady);
                    delivery = await next.ConfigureAwait(false);
                }
                stats.OnReceived();
                if (!budget.TryAcquire(delivery.Message.Payload.Length))
                {
                    inFlight.TryWrite(NothingReady);
                    try
                    {
                        await budget.AcquireAsync(delivery.Message.Payload.Length, stopping).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        await delivery.NackAsync(CancellationToken.None).ConfigureAwait(false);
                        stats.OnHandedBack(1);
                        throw;
                    }
                }
                inFlight.TryWrite(delivery);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            logger.LogInformation("{Writer}: stopping; draining in-flight messages", identity.Name);
        }
        finally
        {
            inFlight.TryComplete();
        }
    }

    private async Task BatchAndWriteAsync(ChannelReader<IDelivery> inFlight, CancellationToken stopping, CancellationToken abandon)
    {
        using var slots = new SemaphoreSlim(options.Concurrency);
        var writing = new List<Task>();
        while (await inFlight.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            // A batch is collected once a writer is free, so what arrived while every writer was busy goes together.
            await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            var batch = await CollectBatchAsync(inFlight, stopping).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                slots.Release();
                continue;
            }
            // Every finished batch is awaited, not just dropped: SettleBatchAsync handles its own failures, and a
            // fault that still escaped (a bug) surfaces here instead of vanishing with the task.
            foreach (var done in writing.Where(t => t.IsCompleted).ToList())
            {
                writing.Remove(done);
                await done.ConfigureAwait(false);
            }
            writing.Add(Task.Run(async () =>
            {
                try { await SettleBatchAsync(batch, abandon).ConfigureAwait(false); }
                finally { slots.Release(); }
            }, CancellationToken.None));
        }
        await Task.WhenAll(writing).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes what is handed over, up to a full batch. A partial batch is written as soon as the receiver has nothing
    /// more ready; it waits (at most the linger) only while the receiver is still handing messages over.
    /// </summary>
    private async Task<List<IDelivery>> CollectBatchAsync(ChannelReader<IDelivery> inFlight, CancellationToken stopping)
    {
        var batch = new List<IDelivery>();
        long bytes = 0;
        var nothingReady = false;
        CancellationTokenSource? linger = null;
        try
        {
            while (batch.Count < options.MaxBatchMessages && bytes < options.MaxBatchBytes)
            {
                if (inFlight.TryRead(out var delivery))
                {
                    nothingReady = ReferenceEquals(delivery, NothingReady);
                    if (nothingReady) continue;
                    batch.Add(delivery);
                    bytes += delivery.Message.Payload.Length;
                    continue;
                }
                if (batch.Count == 0)
                {
                    // Only markers were waiting: wait for a message (or the end) before a batch starts.
                    if (!await inFlight.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false)) break;
                    continue;
                }
                if (nothingReady) break;
                if (linger is null)
                {
                    linger = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    linger.CancelAfter(options.BatchLingerMilliseconds);
                }
                try
                {
                    if (!await inFlight.WaitToReadAsync(linger.Token).ConfigureAwait(false)) break;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            linger?.Dispose();
        }
        return batch;
    }

    /// <summary>
    /// Writes a batch and settles every message of it exactly once: acknowledged when written or dead-lettered,
    /// handed back (nacked) when the drain timeout passes or when settling itself fails (an acknowledgement that
    /// throws), so the bus redelivers it. Never throws: every outcome is logged and counted.
    /// </summary>
    private async Task SettleBatchAsync(List<IDelivery> batch, CancellationToken abandon)
    {
        var bytes = batch.Sum(d => (long)d.Message.Payload.Length);
        var acked = 0;
        var dead = new HashSet<InboundMessage>(ReferenceEqualityComparer.Instance);
        using var trace = WriterTracing.StartBatch(identity.Name, identity.Type, source.Name, batch);
        try
        {
            foreach (var (message, context) in await WriteBatchAsync(batch, abandon).ConfigureAwait(false))
            {
                dead.Add(message);
                stats.OnDeadLettered(context.ErrorClass);
            }
            foreach (var delivery in batch)
            {
                await delivery.AckAsync(abandon).ConfigureAwait(false);
                acked++;
            }
            trace?.SetTag("persistence.dead_lettered", dead.Count);
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            // Drain timeout: nothing more of this batch is acknowledged; the bus redelivers it.
            var unsettled = batch.Skip(acked).ToList();
            await HandBackAsync(unsettled).ConfigureAwait(false);
            stats.OnHandedBack(unsettled.Count);
            logger.LogWarning("{Writer}: drain timeout; handed back {Count} unwritten messages for redelivery", identity.Name, unsettled.Count);
        }
        catch (Exception e)
        {
            // Settling failed (an acknowledgement or the dead-letter queue threw): what is not acknowledged goes back
            // to the bus, which redelivers it; written rows are idempotent, so redelivery adds nothing.
            var unsettled = batch.Skip(acked).ToList();
            await HandBackAsync(unsettled).ConfigureAwait(false);
            stats.OnSettleFailed(unsettled.Count, e);
            logger.LogError(e, "{Writer}: settling a batch of {Count} failed after {Acked} acknowledgements; handed back {Unsettled} for redelivery: {Error}",
                identity.Name, batch.Count, acked, unsettled.Count, e.Message);
        }
        finally
        {
            // Only what was acknowledged counts as written or dead-lettered; the rest is counted as handed back.
            var ackedDead = batch.Take(acked).Count(d => dead.Contains(d.Message));
            if (acked > 0) stats.OnBatch(acked - ackedDead, ackedDead);
            budget.Release(bytes);
        }
    }

    /// <summary>Best effort: a nack that fails leaves the message unacknowledged, which the bus redelivers anyway.</summary>
    private async Task HandBackAsync(IReadOnlyList<IDelivery> unsettled)
    {
        foreach (var delivery in unsettled)
        {
            try { await delivery.NackAsync(CancellationToken.None).ConfigureAwait(false); }
            catch (Exception e) { logger.LogWarning("{Writer}: handing back {MessageId} failed ({Error}); the bus redelivers it when its lease ends", identity.Name, delivery.Message.Id, e.Message); }
        }
    }

    /// <summary>Decodes and writes the batch; returns the messages dead-lettered (already durable on the DLQ).</summary>
    private async Task<List<(InboundMessage Message, DeadLetterContext Context)>> WriteBatchAsync(List<IDelivery> batch, CancellationToken abandon)
    {
        var decoded = new List<Decoded<T>>(batch.Count);
        var dead = new List<(InboundMessage Message, DeadLetterContext Context)>();
        foreach (var delivery in batch)
        {
            try
            {
                decoded.Add(new Decoded<T>(decoder.Decode(delivery.Message), delivery.Message));
            }
            catch (Exception e)
            {
                // A payload that fails to decode fails every time: retrying cannot help.
                dead.Add((delivery.Message, Context(delivery.Message, e is MessageDecodeException ? "decode" : e.GetType().Name, e.Message, 1)));
            }
        }

        var rejected = decoded.Count == 0 ? [] : await WriteAsync(decoded, priorAttempts: 0, isolating: false, abandon).ConfigureAwait(false);
        foreach (var r in rejected)
            dead.Add((decoded[r.Index].Message, Context(decoded[r.Index].Message, r.ErrorClass, r.Reason, r.Attempts)));

        if (dead.Count > 0)
            await PublishDeadLettersAsync(dead, abandon).ConfigureAwait(false);
        return dead;
    }

    /// <summary>
    /// Writes through the retry pipeline. When it gives up (a permanent error, or an unknown one after its attempts)
    /// the batch is split in halves, each written on its own, so the messages that fail are found in few writes; a
    /// message that still fails alone is rejected with its error class, and the rest of the batch is written.
    /// </summary>
    private async Task<IReadOnlyList<Rejection>> WriteAsync(IReadOnlyList<Decoded<T>> batch, int priorAttempts, bool isolating, CancellationToken abandon)
    {
        var attempts = 0;
        try
        {
            var result = await _retries.ExecuteAsync(async ct =>
            {
                attempts++;
                return await sink.WriteAsync(batch, ct).ConfigureAwait(false);
            }, $"write of {batch.Count} message(s)", isolating ? 1 : options.MaxAttemptsBeforeIsolation, abandon).ConfigureAwait(false);
            return result.Rejected.Select(r => r.Attempts > 0 ? r : r with { Attempts = priorAttempts + attempts }).ToList();
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            var error = WriteErrorClassifier.Classify(e);
            stats.OnError(error.ErrorClass, e);
            var tried = priorAttempts + attempts;
            if (batch.Count == 1)
                return [new Rejection(0, error.ErrorClass, Reason(e, error, tried), tried)];
            var half = batch.Count / 2;
            var first = await WriteAsync(batch.Take(half).ToList(), tried, isolating: true, abandon).ConfigureAwait(false);
            var second = await WriteAsync(batch.Skip(half).ToList(), tried, isolating: true, abandon).ConfigureAwait(false);
            return [.. first, .. second.Select(r => r with { Index = r.Index + half })];
        }
    }

    private static string Reason(Exception e, WriteError error, int attempts) => error.Kind == WriteErrorKind.Unknown
        ? $"{e.GetType().FullName}: {e.Message} (an error no store classifies; failed {attempts} attempts, the last one alone)"
        : e.Message;

    private async Task PublishDeadLettersAsync(List<(InboundMessage Message, DeadLetterContext Context)> dead, CancellationToken abandon)
    {
        // One line per batch: a poison storm must not flood the logs; the DLQ holds every message's context.
        var (first, firstContext) = dead[0];
        logger.LogWarning("{Writer}: dead-lettering {Count} message(s) from {Source} to {Topic}; first {MessageId}: {ErrorClass}: {Error}",
            identity.Name, dead.Count, firstContext.Source, deadLetters.Topic, first.Id, firstContext.ErrorClass, firstContext.ErrorMessage);
        // Without a durable dead letter the message must not be acknowledged: any error short of a permanent one is
        // retried for as long as the writer runs.
        await _retries.ExecuteAsync(async ct =>
        {
            await deadLetters.PublishAsync(dead, ct).ConfigureAwait(false);
            return true;
        }, $"dead-lettering {dead.Count} message(s)", int.MaxValue, abandon).ConfigureAwait(false);
    }

    private DeadLetterContext Context(InboundMessage message, string errorClass, string error, int attempts) =>
        new(source.Name, message.Id, identity.Name, identity.Type, errorClass, error, Math.Max(attempts, message.DeliveryAttempt));

    private sealed class Marker : IDelivery
    {
        public InboundMessage Message => throw new InvalidOperationException("a marker carries no message");
        public ValueTask AckAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("a marker is never settled");
        public ValueTask NackAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("a marker is never settled");
    }
}
