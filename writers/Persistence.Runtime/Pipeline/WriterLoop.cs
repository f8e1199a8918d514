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

    private readonly Backoff _backoff = new(
        TimeSpan.FromMilliseconds(options.RetryInitialMilliseconds), TimeSpan.FromMilliseconds(options.RetryMaxMilliseconds));

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

    private async Task ReceiveAsync(ChannelWriter<IDelivery> inFlight, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                var delivery = await source.ReceiveAsync(stopping).ConfigureAwait(false);
                stats.OnReceived();
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
            var batch = await CollectBatchAsync(inFlight, stopping).ConfigureAwait(false);
            await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            writing.RemoveAll(t => t.IsCompleted);
            writing.Add(Task.Run(async () =>
            {
                try { await WriteBatchAsync(batch, abandon).ConfigureAwait(false); }
                finally { slots.Release(); }
            }, CancellationToken.None));
        }
        await Task.WhenAll(writing).ConfigureAwait(false);
    }

    private async Task<List<IDelivery>> CollectBatchAsync(ChannelReader<IDelivery> inFlight, CancellationToken stopping)
    {
        var batch = new List<IDelivery>();
        long bytes = 0;
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        linger.CancelAfter(options.BatchLingerMilliseconds);
        while (batch.Count < options.MaxBatchMessages && bytes < options.MaxBatchBytes)
        {
            if (inFlight.TryRead(out var delivery))
            {
                batch.Add(delivery);
                bytes += delivery.Message.Payload.Length;
                continue;
            }
            if (batch.Count > 0 && linger.IsCancellationRequested)
                break;
            try
            {
                if (!await inFlight.WaitToReadAsync(linger.Token).ConfigureAwait(false))
                    break;
            }
            catch (OperationCanceledException)
            {
                if (batch.Count > 0) break;
            }
        }
        return batch;
    }

    private async Task WriteBatchAsync(List<IDelivery> batch, CancellationToken abandon)
    {
        var bytes = batch.Sum(d => (long)d.Message.Payload.Length);
        using var trace = WriterTracing.StartBatch(identity.Name, identity.Type, source.Name, batch);
        try
        {
            var decoded = new List<Decoded<T>>(batch.Count);
            var decodedFrom = new List<IDelivery>(batch.Count);
            var dead = new List<(InboundMessage, DeadLetterContext)>();
            foreach (var delivery in batch)
            {
                try
                {
                    decoded.Add(new Decoded<T>(decoder.Decode(delivery.Message), delivery.Message));
                    decodedFrom.Add(delivery);
                }
                catch (Exception e)
                {
                    // A payload that fails to decode fails every time: retrying cannot help.
                    dead.Add((delivery.Message, Context(delivery.Message, e is MessageDecodeException ? "decode" : e.GetType().Name, e.Message, 1)));
                }
            }

            var (rejected, attempts) = decoded.Count == 0 ? ([], 0) : await WriteWithRetryAsync(decoded, abandon).ConfigureAwait(false);
            foreach (var r in rejected)
                dead.Add((decodedFrom[r.Index].Message, Context(decodedFrom[r.Index].Message, r.ErrorClass, r.Reason, attempts)));

            if (dead.Count > 0)
                await PublishDeadLettersAsync(dead, abandon).ConfigureAwait(false);

            foreach (var delivery in batch)
                await delivery.AckAsync(abandon).ConfigureAwait(false);
            stats.OnBatch(batch.Count - dead.Count, dead.Count);
            trace?.SetTag("persistence.dead_lettered", dead.Count);
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            // Drain timeout: nothing of this batch is acknowledged; the bus redelivers it.
            foreach (var delivery in batch)
                await delivery.NackAsync(CancellationToken.None).ConfigureAwait(false);
            stats.OnHandedBack(batch.Count);
            logger.LogWarning("{Writer}: drain timeout; handed back {Count} unwritten messages for redelivery", identity.Name, batch.Count);
        }
        finally
        {
            budget.Release(bytes);
        }
    }

    /// <summary>Retries transient failures until they pass; isolates messages of a batch the sink rejects as a whole.</summary>
    private async Task<(IReadOnlyList<Rejection> Rejected, int Attempts)> WriteWithRetryAsync(IReadOnlyList<Decoded<T>> batch, CancellationToken abandon)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await sink.WriteAsync(batch, abandon).ConfigureAwait(false);
                return (result.Rejected, attempt);
            }
            catch (PermanentWriteException e) when (batch.Count == 1)
            {
                return ([new Rejection(0, "permanent", e.Message)], attempt);
            }
            catch (PermanentWriteException)
            {
                return (await IsolateAsync(batch, abandon).ConfigureAwait(false), attempt);
            }
            catch (OperationCanceledException) when (abandon.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                stats.OnRetry(e);
                var delay = _backoff.Delay(attempt);
                if (attempt == 1 || attempt % 10 == 0)
                    logger.LogWarning("{Writer}: write of {Count} messages failed (attempt {Attempt}), retrying in {Delay:F1}s: {Error}",
                        identity.Name, batch.Count, attempt, delay.TotalSeconds, e.Message);
                await Task.Delay(delay, abandon).ConfigureAwait(false);
            }
        }
    }

    private async Task<IReadOnlyList<Rejection>> IsolateAsync(IReadOnlyList<Decoded<T>> batch, CancellationToken abandon)
    {
        var rejected = new List<Rejection>();
        for (var i = 0; i < batch.Count; i++)
        {
            var (single, _) = await WriteWithRetryAsync([batch[i]], abandon).ConfigureAwait(false);
            rejected.AddRange(single.Select(r => r with { Index = i }));
        }
        return rejected;
    }

    private async Task PublishDeadLettersAsync(List<(InboundMessage, DeadLetterContext)> dead, CancellationToken abandon)
    {
        // One line per batch: a poison storm must not flood the logs; the DLQ holds every message's context.
        var (first, firstContext) = dead[0];
        logger.LogWarning("{Writer}: dead-lettering {Count} message(s) from {Source} to {Topic}; first {MessageId}: {ErrorClass}: {Error}",
            identity.Name, dead.Count, firstContext.Source, deadLetters.Topic, first.Id, firstContext.ErrorClass, firstContext.ErrorMessage);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await deadLetters.PublishAsync(dead, abandon).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !abandon.IsCancellationRequested)
            {
                // Without a durable dead letter the message must not be acknowledged: keep trying.
                stats.OnRetry(e);
                await Task.Delay(_backoff.Delay(attempt), abandon).ConfigureAwait(false);
            }
        }
    }

    private DeadLetterContext Context(InboundMessage message, string errorClass, string error, int attempts) =>
        new(source.Name, message.Id, identity.Name, identity.Type, errorClass, error, Math.Max(attempts, message.DeliveryAttempt));
}
