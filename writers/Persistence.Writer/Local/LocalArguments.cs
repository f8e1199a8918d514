namespace Persistence.Writer.Local;

/// <summary>
/// What `persistence-writer local` was asked to do, typed; parsed by <see cref="Cli.LocalVerb"/>, whose help
/// shows these defaults.
/// </summary>
public sealed record LocalArguments
{
    /// <summary>--queries, --rows, --malformed, --bulk-files, --seed.</summary>
    public WorkloadOptions Workload { get; init; } = new();
    public string Out { get; init; } = ".local-run";
    /// <summary>0: each writer's budget follows the process's memory limit, as in `run`.</summary>
    public long BudgetBytes { get; init; }
    public string Bus { get; init; } = "inprocess";
    public string? PubSubEmulator { get; init; }
    public string? Project { get; init; }
    public string? Redis { get; init; }
    public bool RedisClustered { get; init; }
    public string? Postgres { get; init; }
    /// <summary>--dynamodb: the endpoint of a DynamoDB-compatible server for online values.</summary>
    public string? DynamoDb { get; init; }
    public string? RunId { get; init; }
    public bool Quiet { get; init; }
}
