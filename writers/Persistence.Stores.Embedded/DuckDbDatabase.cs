using DuckDB.NET.Data;
using Persistence.Contracts.V1;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Stores.Embedded;

/// <summary>
/// One DuckDB connection guarded by a lock: DuckDB connections are not thread-safe, and each store owns one.
/// Connections to the same file in one process share the database.
/// </summary>
public sealed class DuckDbDatabase : IAsyncDisposable
{
    private readonly DuckDBConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public DuckDbDatabase(string path)
    {
        Path = path;
        _connection = new DuckDBConnection($"Data Source={path}");
        _connection.Open();
    }

    public string Path { get; }

    public async Task<T> UseAsync<T>(Func<DuckDBConnection, T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { return work(_connection); }
        catch (DuckDBException e) when (DuckDbErrors.IsTransient(e)) { throw DuckDbErrors.Transient(e); }
        finally { _gate.Release(); }
    }

    /// <summary>Holds the connection for asynchronous work (e.g. a transaction fed by a stream of chunks).</summary>
    public async Task<T> UseStreamingAsync<T>(Func<DuckDBConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { return await work(_connection).ConfigureAwait(false); }
        catch (DuckDBException e) when (DuckDbErrors.IsTransient(e)) { throw DuckDbErrors.Transient(e); }
        finally { _gate.Release(); }
    }

    public Task UseAsync(Action<DuckDBConnection> work, CancellationToken cancellationToken) =>
        UseAsync(c => { work(c); return 0; }, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }

    public static int Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    public static object? Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public static string SqlType(Column column) => column.Type switch
    {
        ValueType.Int => "BIGINT",
        ValueType.Float => "DOUBLE",
        ValueType.String => "VARCHAR",
        ValueType.Bool => "BOOLEAN",
        ValueType.Bytes => "BLOB",
        ValueType.Timestamp => "TIMESTAMP",
        ValueType.Vector => "FLOAT[]",
        _ => throw new ArgumentOutOfRangeException(nameof(column), column.Type, $"column {column.Name} has no type"),
    };

    /// <summary>
    /// In one transaction: stages rows in a temp copy of <paramref name="table"/>'s columns, runs the insert
    /// built from the stage's name (where dedup and conflict rules live), and drops the stage.
    /// </summary>
    public static long StageAndInsert(DuckDBConnection connection, string table, IEnumerable<object?[]> rows, Func<string, string> insertFromStage, string columns = "*")
    {
        using var transaction = connection.BeginTransaction();
        var stage = CreateStage(connection, table, columns);
        Append(connection, stage, rows);
        var inserted = InsertFromStage(connection, stage, insertFromStage);
        transaction.Commit();
        return inserted;
    }

    /// <summary>
    /// <see cref="StageAndInsert"/> for rows arriving in chunks: each chunk is appended to the stage as it
    /// comes, and the whole stream commits (or, when enumerating it throws, rolls back) as one transaction.
    /// </summary>
    public static async Task<long> StageAndInsertAsync(DuckDBConnection connection, string table, IAsyncEnumerable<IReadOnlyList<object?[]>> chunks,
        Func<string, string> insertFromStage, string columns, CancellationToken cancellationToken)
    {
        using var transaction = connection.BeginTransaction();
        var stage = CreateStage(connection, table, columns);
        await foreach (var chunk in chunks.WithCancellation(cancellationToken).ConfigureAwait(false))
            Append(connection, stage, chunk);
        var inserted = InsertFromStage(connection, stage, insertFromStage);
        transaction.Commit();
        return inserted;
    }

    private static string CreateStage(DuckDBConnection connection, string table, string columns)
    {
        var stage = $"stage_{table}";
        Execute(connection, $"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT {columns} FROM {table} LIMIT 0");
        return stage;
    }

    private static long InsertFromStage(DuckDBConnection connection, string stage, Func<string, string> insertFromStage)
    {
        long inserted = Execute(connection, insertFromStage(stage));
        Execute(connection, $"DROP TABLE {stage}");
        return inserted;
    }

    /// <summary>Appends rows to a table (typically a staging table) with DuckDB's appender.</summary>
    public static void Append(DuckDBConnection connection, string table, IEnumerable<object?[]> rows)
    {
        using var appender = connection.CreateAppender(table);
        foreach (var row in rows)
        {
            var appending = appender.CreateRow();
            foreach (var value in row)
            {
                appending = value switch
                {
                    null => appending.AppendNullValue(),
                    long v => appending.AppendValue(v),
                    double v => appending.AppendValue(v),
                    string v => appending.AppendValue(v),
                    bool v => appending.AppendValue(v),
                    byte[] v => appending.AppendValue(v),
                    DateTime v => appending.AppendValue(v),
                    float[] v => appending.AppendValue(v.ToList()),
                    _ => throw new ArgumentException($"cannot append a {value.GetType().Name} to {table}"),
                };
            }
            appending.EndRow();
        }
    }
}
