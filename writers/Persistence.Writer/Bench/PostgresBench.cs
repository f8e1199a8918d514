using System.Diagnostics;
using Npgsql;
using Persistence.Sinks.Offline;
using Persistence.Sinks.Registry;
using Persistence.Stores.Postgres;

namespace Persistence.Writer.Bench;

/// <summary>
/// OFFLINE_STORE_STREAMING_INSERT_WRITER (the real loop, sink and PostgreSQL store) against
/// <c>psql \copy ... FROM file (format binary)</c> of the very rows it inserted, into tables of the same definition.
/// </summary>
public sealed class PostgresBench(NpgsqlConnectionStringBuilder connection)
{
    public sealed record Shape(int Batch, int Tables, int RowsPerMessage, int Messages)
    {
        public override string ToString() => $"batch {Batch}, {Tables} tables, {RowsPerMessage} rows/msg";
    }

    private int _run;

    /// <summary>One run: ours, then the limit; both in rows per second.</summary>
    public async Task<(double Ours, double Limit)> RunAsync(Shape shape)
    {
        var run = $"r{Interlocked.Increment(ref _run)}_{Environment.ProcessId}";
        var tables = Enumerable.Range(0, shape.Tables).Select(t => $"feature__bench_{run}_t{t}").ToList();
        await using var dataSource = NpgsqlDataSource.Create(connection.ConnectionString);
        // Tables exist before the clock starts, as they do in a running system; the measured store checks them afresh.
        var setup = new PostgresOfflineStore(dataSource);
        foreach (var table in tables.Concat(tables.Select(t => t + "_c")))
            await setup.EnsureTableAsync(table, BenchData.FeatureSchema, CancellationToken.None).ConfigureAwait(false);
        try
        {
            var payloads = await BenchData.StreamingInsertsAsync(tables, shape.Messages, shape.RowsPerMessage, run).ConfigureAwait(false);
            var rows = (double)shape.Messages * shape.RowsPerMessage;
            var sink = new StreamingInsertSink(new PostgresOfflineStore(dataSource));
            var (seconds, _) = await LoopRun.DrainAsync(payloads, "OFFLINE_STORE_STREAMING_INSERT_WRITER", WriterFactory.StreamingInserts, sink, LoopRun.Options(shape.Batch)).ConfigureAwait(false);
            var landed = 0L;
            foreach (var table in tables) landed += await CountAsync(dataSource, table).ConfigureAwait(false);
            if (landed != (long)rows) throw new InvalidOperationException($"streaming insert bench: {landed} rows landed, {rows} expected");
            return (rows / seconds, rows / await CopyAsync(tables).ConfigureAwait(false));
        }
        finally
        {
            await using var drop = dataSource.CreateCommand(string.Join(";", tables.SelectMany(t => new[] { $"DROP TABLE IF EXISTS {t}", $"DROP TABLE IF EXISTS {t}_c" })));
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Exports each table in COPY's binary format (untimed), then times one psql loading all of them into the copies.</summary>
    private async Task<double> CopyAsync(IReadOnlyList<string> tables)
    {
        var directory = Directory.CreateTempSubdirectory("bench-copy-").FullName;
        try
        {
            var export = Path.Combine(directory, "export.sql");
            var load = Path.Combine(directory, "load.sql");
            await File.WriteAllLinesAsync(export, tables.Select(t => $"\\copy {t} TO '{Path.Combine(directory, t)}.bin' (format binary)")).ConfigureAwait(false);
            await File.WriteAllLinesAsync(load, tables.Select(t => $"\\copy {t}_c FROM '{Path.Combine(directory, t)}.bin' (format binary)")).ConfigureAwait(false);
            await PsqlAsync(export).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            await PsqlAsync(load).ConfigureAwait(false);
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private Task<string> PsqlAsync(string script)
    {
        var environment = new Dictionary<string, string>();
        if (!string.IsNullOrEmpty(connection.Password)) environment["PGPASSWORD"] = connection.Password;
        return BenchServers.RunAsync("psql", environment, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", connection.Host ?? "127.0.0.1", "-p", $"{connection.Port}",
            "-U", connection.Username ?? "postgres", "-d", connection.Database ?? "postgres", "-f", script);
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string table)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {table}");
        return (long)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
    }
}
