namespace Persistence.Writer.Bench;

/// <summary>
/// Ours and the limit on the same work, taking turns going first (ours, limit | limit, ours | ...), so drift on a shared
/// machine and whatever the first leaves behind fall on both sides alike.
/// </summary>
public static class Turns
{
    public static async Task TakeAsync(int round, Func<Task> ours, Func<Task> limit)
    {
        var (first, second) = round % 2 == 0 ? (ours, limit) : (limit, ours);
        await first().ConfigureAwait(false);
        await second().ConfigureAwait(false);
    }
}
