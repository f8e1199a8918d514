namespace Persistence.Writer.Dlq;

/// <summary>What a `dlq replay` run does with the dead letters the filter selects.</summary>
/// <param name="RatePerSecond">Republishes per second at most (a fixed writer's queue should not be flooded).</param>
/// <param name="Max">Stop after selecting this many.</param>
/// <param name="ToTopic">Republish everything here instead of each message's own topic.</param>
/// <param name="ToFile">Export as JSON lines instead of republishing; the DLQ keeps them.</param>
public sealed record ReplayPlan(
    ReplayFilter Filter,
    bool DryRun = false,
    double RatePerSecond = 50,
    int? Max = null,
    string? ToTopic = null,
    string? ToFile = null);

/// <summary>What a run did; <see cref="Unreplayable"/> lists selected dead letters it had to leave, with why.</summary>
public sealed record ReplayOutcome(
    int Read,
    int Selected,
    int Replayed,
    int Exported,
    IReadOnlyDictionary<string, int> ReplayedByTopic,
    IReadOnlyList<string> Unreplayable);
