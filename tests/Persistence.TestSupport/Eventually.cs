namespace Persistence.Tests.Shared;

/// <summary>Waits for a condition that background writers make true, failing with what was awaited.</summary>
public static class Eventually
{
    public static async Task WaitAsync(Func<bool> condition, Func<string> what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what()}");
            await Task.Delay(20);
        }
    }

    public static Task WaitAsync(Func<bool> condition, string what, int seconds = 60) => WaitAsync(condition, () => what, seconds);

    /// <summary>For conditions that ask a server (a store, another process); polled less often.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, Func<string> what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {seconds}s waiting for {what()}");
            await Task.Delay(250);
        }
    }
}
