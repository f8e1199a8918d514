namespace Persistence.Writer.Local;

/// <summary>Shape of the generated query-result workload.</summary>
public sealed record WorkloadOptions
{
    public int Queries { get; init; } = 5_000;
    public int RowsPerQuery { get; init; } = 10;
    /// <summary>Share of messages on each bus that are malformed, to show the dead-letter path.</summary>
    public double MalformedShare { get; init; } = 0.01;
    public int BulkFiles { get; init; } = 10;
    public int RowsPerBulkFile { get; init; } = 500;
    public int Seed { get; init; } = 7;

    public IEnumerable<string> Problems()
    {
        if (Queries < 1) yield return $"--queries must be at least 1 (got {Queries})";
        if (RowsPerQuery < 1) yield return $"--rows must be at least 1 (got {RowsPerQuery})";
        if (MalformedShare is < 0 or > 0.5) yield return $"--malformed must be between 0 and 0.5 (got {MalformedShare})";
        if (BulkFiles < 0) yield return $"--bulk-files must not be negative (got {BulkFiles})";
    }
}
