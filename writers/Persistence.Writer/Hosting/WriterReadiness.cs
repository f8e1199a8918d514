namespace Persistence.Writer.Hosting;

/// <summary>
/// What /readyz answers: ready only once the startup checks passed and the writer loop runs, not ready again
/// while it drains. Also where a failed loop leaves its error, for `local` to surface.
/// </summary>
public sealed class WriterReadiness
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    /// <summary>Why the writer stopped, when it failed; null while it runs or after a clean stop.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>What the startup checks could not reach, by setting and endpoint; null once they passed (or before).</summary>
    public ConfigurationProblemException? StartupProblem { get; private set; }

    internal void MarkRunning(bool running) => _ready = running && StartupProblem is null;

    internal void MarkStartupFailed(ConfigurationProblemException problem)
    {
        StartupProblem = problem;
        _ready = false;
    }

    internal void MarkFailed(Exception error)
    {
        Failure = error;
        _ready = false;
    }
}
