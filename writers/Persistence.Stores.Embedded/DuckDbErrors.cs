using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Persistence.Contracts;

namespace Persistence.Stores.Embedded;

/// <summary>
/// The embedded store's error table: DuckDB's optimistic concurrency aborts a transaction that conflicts with another
/// connection's (two writers of `local` creating or filling the same table): transient, the retry succeeds. Other
/// DuckDB errors are left unclassified (bounded retries, then isolated).
/// </summary>
public static class DuckDbErrors
{
    public static bool IsTransient(DuckDBException e) =>
        e.ErrorType == DuckDBErrorType.Transaction || e.Message.Contains("Conflict", StringComparison.OrdinalIgnoreCase);

    public static TransientWriteException Transient(DuckDBException e) =>
        new($"DuckDB aborted a conflicting transaction (transient, retrying): {e.Message}", e, "duckdb_conflict");
}
