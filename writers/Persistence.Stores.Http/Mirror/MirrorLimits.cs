using System.Threading.RateLimiting;

namespace Persistence.Stores.Http.Mirror;

/// <summary>
/// The mirror's caps, shared by every batch of a writer (System.Threading.RateLimiting): a token bucket starts at
/// most RatePerSecond requests a second (bursts of a tenth of a second's worth), a concurrency limiter keeps at
/// most MaxConcurrency in flight. Both queue waiters oldest first, so batches are served in arrival order.
/// </summary>
public sealed class MirrorLimits : IDisposable
{
    public MirrorLimits(double ratePerSecond, int maxConcurrency)
    {
        // One token per period paces evenly; above 100/s, whole tokens per period of at least 10 ms (timer
        // resolution), with the period chosen so the rate stays exact.
        var perPeriod = Math.Max(1, (int)Math.Ceiling(ratePerSecond * 0.01));
        var period = TimeSpan.FromSeconds(perPeriod / ratePerSecond);
        Rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(perPeriod, (int)(ratePerSecond / 10)),
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
        InFlight = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = maxConcurrency,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public TokenBucketRateLimiter Rate { get; }
    public ConcurrencyLimiter InFlight { get; }

    /// <summary>A slot among the MaxConcurrency in flight; dispose it when the request is done.</summary>
    public ValueTask<RateLimitLease> SlotAsync(CancellationToken cancellationToken) => Acquire(InFlight, cancellationToken);

    /// <summary>Waits for the rate to allow one more request start.</summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        using var _ = await Acquire(Rate, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<RateLimitLease> Acquire(RateLimiter limiter, CancellationToken cancellationToken)
    {
        var lease = await limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        // Unbounded queues: refused only when the limiter is disposed, i.e. the writer is shutting down.
        throw new OperationCanceledException("the mirror's limiter was disposed");
    }

    public void Dispose()
    {
        Rate.Dispose();
        InFlight.Dispose();
    }
}
