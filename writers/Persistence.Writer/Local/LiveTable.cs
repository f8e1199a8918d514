using Spectre.Console;
using Spectre.Console.Rendering;

namespace Persistence.Writer.Local;

/// <summary>
/// A Spectre.Console live display held open between reports (LiveDisplay.StartAsync runs until the callback's task
/// ends): each <see cref="Show"/> redraws in place; disposing ends it, leaving the last table and the cursor shown.
/// </summary>
internal sealed class LiveTable : IDisposable
{
    private readonly TaskCompletionSource _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<LiveDisplayContext> _context = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _running;

    public LiveTable(TextWriter output, IRenderable first)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        _running = console.Live(first).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async context =>
        {
            _context.TrySetResult(context);
            context.Refresh();
            await _stop.Task.ConfigureAwait(false);
        });
    }

    public void Show(IRenderable table)
    {
        // Before the display has started there is nothing to redraw; the next report shows the news.
        if (!_context.Task.IsCompletedSuccessfully) return;
        _context.Task.Result.UpdateTarget(table);
        _context.Task.Result.Refresh();
    }

    public void Dispose()
    {
        _stop.TrySetResult();
        // The display's last refresh; bounded, so a wedged console cannot hold up the summary.
        _running.Wait(TimeSpan.FromSeconds(5));
    }
}
