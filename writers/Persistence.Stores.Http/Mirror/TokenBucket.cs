namespace Persistence.Stores.Http.Mirror;

/// <summary>
/// Paces request starts at <c>ratePerSecond</c>, allowing bursts of <c>burst</c>. A caller reserves its token
/// at once (the balance may go negative) and waits out the debt, so waiters are served in arrival order.
/// </summary>
public sealed class TokenBucket(double ratePerSecond, double burst, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private readonly double _burst = burst;
    private double _tokens = burst;
    private long _refilledAt = clock.GetTimestamp();

    public Task TakeAsync(CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_gate)
        {
            var now = clock.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + clock.GetElapsedTime(_refilledAt, now).TotalSeconds * ratePerSecond);
            _refilledAt = now;
            _tokens -= 1;
            wait = _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / ratePerSecond);
        }
        return wait == TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, clock, cancellationToken);
    }
}
