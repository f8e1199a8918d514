namespace Persistence.Runtime.Pipeline;

/// <summary>Exponential backoff with full jitter, capped, so many writers do not retry in lockstep.</summary>
public sealed record Backoff(TimeSpan Initial, TimeSpan Max)
{
    public static readonly Backoff Default = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

    public TimeSpan Delay(int attempt)
    {
        var ceiling = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}
