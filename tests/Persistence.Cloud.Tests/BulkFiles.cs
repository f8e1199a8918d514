using Persistence.Contracts.V1;
using Persistence.Sinks.Offline;
using Persistence.Stores.Embedded;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Cloud.Tests;

/// <summary>Parquet files of one feature table, their notifications, and a DuckDB offline store to load them into.</summary>
public static class BulkFiles
{
    public const string Table = "feature__user__credit";
    public static readonly TableSchema Schema = FeatureTables.FeatureSchema(new FeatureDescriptor { Fqn = "user.credit", Type = ValueType.Float });
    private static readonly TableSchema TextSchema = FeatureTables.FeatureSchema(new FeatureDescriptor { Fqn = "user.credit", Type = ValueType.String });

    public static Task<byte[]> ParquetAsync(string name, int rows) =>
        ParquetCodec.EncodeAsync(Schema, Enumerable.Range(0, rows).Select(r => new object?[] { $"{name}/{r}", $"user:{r}", r * 1.5, DateTime.UtcNow, "q", "test" }).ToList());

    /// <summary>The value column holds text where the table wants a float.</summary>
    public static Task<byte[]> WrongSchemaParquetAsync(string name, int rows) =>
        ParquetCodec.EncodeAsync(TextSchema, Enumerable.Range(0, rows).Select(r => new object?[] { $"{name}/{r}", $"user:{r}", "text", DateTime.UtcNow, "q", "test" }).ToList());

    public static BulkInsertNotification Note(string uri, int rows = 0) => new() { ObjectUri = uri, Table = Table, Schema = Schema, RowCount = rows };
}

/// <summary>A fresh DuckDB file per test: the offline store bulk files land in.</summary>
public sealed class TempOfflineStore : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cloud-tests-").FullName;

    public TempOfflineStore()
    {
        Db = new DuckDbDatabase(Path.Combine(_directory, "offline.duckdb"));
        Store = new DuckDbOfflineStore(Db);
    }

    public DuckDbDatabase Db { get; }
    public DuckDbOfflineStore Store { get; }

    public long Count(string sql) => Db.UseAsync(c => Convert.ToInt64(DuckDbDatabase.Scalar(c, sql)), CancellationToken.None).Result;

    public long TableRows(string table) =>
        Count($"SELECT count(*) FROM information_schema.tables WHERE table_name = '{table}'") == 0 ? -1 : Count($"SELECT count(*) FROM {table}");

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
