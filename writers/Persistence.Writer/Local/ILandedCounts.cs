namespace Persistence.Writer.Local;

/// <summary>Reads what a `local` run's writers left in the stores, so the summary can hold it against what was published.</summary>
public interface ILandedCounts : IAsyncDisposable
{
    /// <summary>Where the counts come from, for the summary's heading.</summary>
    string Description { get; }

    /// <summary>Online keys in the layout of <c>OnlineKeys.For</c>.</summary>
    Task<IReadOnlySet<string>> OnlineKeysAsync(CancellationToken cancellationToken);

    /// <summary>Rows in an offline table; 0 when the table was never created.</summary>
    Task<long> OfflineRowsAsync(string table, CancellationToken cancellationToken);

    Task<long> MetricRowsAsync(CancellationToken cancellationToken);

    /// <summary>Vectors as "index|key".</summary>
    Task<IReadOnlySet<string>> VectorsAsync(CancellationToken cancellationToken);

    Task<long> MirroredQueriesAsync(CancellationToken cancellationToken);
}
