namespace Persistence.Writer.Hosting;

/// <summary>What `topics ensure` was asked to create; parsed by <see cref="Cli.TopicsVerb"/>, whose help shows these defaults.</summary>
public sealed record TopicsEnsureArguments(IReadOnlyList<string> Topics, string? DeadLetterTopic)
{
    public int Partitions { get; init; } = 6;
    public int Replication { get; init; } = 3;
    public int RetentionHours { get; init; } = 168;
    /// <summary>The DLQ keeps longer: it is read by people, days later.</summary>
    public int DeadLetterRetentionHours { get; init; } = 24 * 14;
}
