using Persistence.Stores.Objects;
using Persistence.Contracts.V1;
using Persistence.Sinks.Offline;
using Persistence.Stores;
using Persistence.Stores.Embedded;
using Persistence.Tests.Shared;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writers.Tests;

/// <summary>OFFLINE_STORE_BULK_INSERT_WRITER: files named by notifications load whole or not at all.</summary>
public sealed class BulkInsertWriterTests
{
    private static readonly TableSchema Schema = FeatureTables.FeatureSchema(TestData.Feature("user.credit", ValueType.Float));

    private static async Task<BulkInsertNotification> WriteFileAsync(string directory, string name, TableSchema schema, int rows, long declared = 0)
    {
        var path = Path.Combine(directory, name);
        var data = Enumerable.Range(0, rows).Select(r => new object?[] { $"{name}/{r}", $"user:{r}", r * 1.5, DateTime.UtcNow, "q", "test" }).ToList();
        if (schema.Columns[2].Type == ValueType.String)
            data = data.Select(d => new object?[] { d[0], d[1], "text", d[3], d[4], d[5] }).ToList();
        await File.WriteAllBytesAsync(path, await ParquetCodec.EncodeAsync(schema, data));
        return new BulkInsertNotification { ObjectUri = new Uri(path).AbsoluteUri, Table = "feature__user__credit", Schema = Schema, RowCount = declared == 0 ? rows : declared };
    }

    [Fact]
    public async Task A_file_is_loaded_once_even_when_its_notification_is_redelivered()
    {
        await using var temp = new TempDatabase();
        var sink = new BulkInsertSink([new FileObjectStore()], new DuckDbOfflineStore(temp.Db), uploadBucket: null);
        var note = await WriteFileAsync(temp.Directory, "a.parquet", Schema, 300);

        Assert.Empty((await sink.WriteAsync(TestData.Batch(note), default)).Rejected);
        Assert.Empty((await sink.WriteAsync(TestData.Batch(note), default)).Rejected);

        Assert.Equal(300, temp.Count("SELECT count(*) FROM feature__user__credit"));
        Assert.Equal(1.5 * 299, temp.Scalar("SELECT max(value) FROM feature__user__credit"));
    }

    [Fact]
    public async Task Missing_files_wrong_schemas_and_wrong_row_counts_are_rejected_and_load_nothing()
    {
        await using var temp = new TempDatabase();
        var sink = new BulkInsertSink([new FileObjectStore()], new DuckDbOfflineStore(temp.Db), uploadBucket: null);
        var missing = new BulkInsertNotification { ObjectUri = new Uri(Path.Combine(temp.Directory, "nope.parquet")).AbsoluteUri, Table = "feature__user__credit", Schema = Schema };
        var wrongSchema = await WriteFileAsync(temp.Directory, "b.parquet", FeatureTables.FeatureSchema(TestData.Feature("user.credit", ValueType.String)), 10);
        var wrongCount = await WriteFileAsync(temp.Directory, "c.parquet", Schema, 10, declared: 11);

        var result = await sink.WriteAsync(TestData.Batch(missing, wrongSchema, wrongCount), default);

        Assert.Equal(["missing_object", "row_count_mismatch", "schema_conflict"], result.Rejected.Select(r => r.ErrorClass).Order());
        Assert.Contains("does not exist", result.Rejected.Single(r => r.Index == 0).Reason);
        Assert.Contains("column 'value' is String", result.Rejected.Single(r => r.Index == 1).Reason);
        Assert.Contains("declares 11 rows but the file holds 10", result.Rejected.Single(r => r.Index == 2).Reason);
        Assert.Equal(0, temp.Count("SELECT count(*) FROM information_schema.tables WHERE table_name = 'feature__user__credit'"));
    }

    [Fact]
    public async Task Objects_outside_the_upload_bucket_or_on_an_unserved_cloud_are_rejected_with_the_setting_to_fix()
    {
        await using var temp = new TempDatabase();
        var sink = new BulkInsertSink([new FileObjectStore()], new DuckDbOfflineStore(temp.Db), uploadBucket: "s3://team-bucket/uploads/");
        var elsewhere = new BulkInsertNotification { ObjectUri = "s3://other-bucket/x.parquet", Table = "feature__user__credit", Schema = Schema };
        var gcs = new BulkInsertNotification { ObjectUri = "s3://team-bucket/uploads/x.parquet", Table = "feature__user__credit", Schema = Schema };

        var result = await sink.WriteAsync(TestData.Batch(elsewhere, gcs), default);

        Assert.Equal("outside_bucket", result.Rejected.Single(r => r.Index == 0).ErrorClass);
        Assert.Contains("s3://team-bucket/uploads/", result.Rejected.Single(r => r.Index == 0).Reason);
        Assert.Equal("unserved_scheme", result.Rejected.Single(r => r.Index == 1).ErrorClass);
        Assert.Contains("cloud prefix", result.Rejected.Single(r => r.Index == 1).Reason);
    }

    [Fact]
    public async Task A_file_of_twenty_row_groups_lands_completely_and_its_spool_file_is_gone()
    {
        await using var temp = new TempDatabase();
        var spool = Directory.CreateDirectory(Path.Combine(temp.Directory, "spool")).FullName;
        var sink = new BulkInsertSink([new FileObjectStore()], new DuckDbOfflineStore(temp.Db), uploadBucket: null, spool);
        var file = await MultiGroupFile.WriteAsync(Path.Combine(temp.Directory, "big.parquet"), Schema, groups: 20, rowsPerGroup: 500);
        Assert.Equal(20, file.RowGroups);

        Assert.Empty((await sink.WriteAsync(TestData.Batch(Note(file)), default)).Rejected);
        Assert.Empty((await sink.WriteAsync(TestData.Batch(Note(file)), default)).Rejected);

        Assert.Equal(10_000, temp.Count("SELECT count(*) FROM feature__user__credit"));
        Assert.Equal(10_000, temp.Count("SELECT count(DISTINCT observation_id) FROM feature__user__credit"));
        Assert.Equal(1.5 * 9_999, temp.Scalar("SELECT max(value) FROM feature__user__credit"));
        Assert.Empty(Directory.GetFiles(spool));
    }

    [Fact]
    public async Task A_file_whose_last_row_group_is_corrupt_loads_nothing_and_its_spool_file_is_gone()
    {
        await using var temp = new TempDatabase();
        var spool = Directory.CreateDirectory(Path.Combine(temp.Directory, "spool")).FullName;
        var store = new DuckDbOfflineStore(temp.Db);
        var sink = new BulkInsertSink([new FileObjectStore()], store, uploadBucket: null, spool);
        var file = await MultiGroupFile.WriteAsync(Path.Combine(temp.Directory, "tail.parquet"), Schema, groups: 20, rowsPerGroup: 500);
        await file.CorruptLastRowGroupAsync();

        var result = await sink.WriteAsync(TestData.Batch(Note(file)), default);

        var rejection = Assert.Single(result.Rejected);
        Assert.Equal("schema_conflict", rejection.ErrorClass);
        Assert.Contains("row group 20 of 20 is not readable", rejection.Reason);
        // The table exists (created before loading) but the nineteen good row groups were rolled back with the bad one.
        Assert.Equal(0, temp.Count("SELECT count(*) FROM feature__user__credit"));
        Assert.Empty(Directory.GetFiles(spool));
    }

    [Fact]
    public async Task A_declared_row_count_that_the_footer_contradicts_loads_nothing()
    {
        await using var temp = new TempDatabase();
        var sink = new BulkInsertSink([new FileObjectStore()], new DuckDbOfflineStore(temp.Db), uploadBucket: null, temp.Directory);
        var file = await MultiGroupFile.WriteAsync(Path.Combine(temp.Directory, "count.parquet"), Schema, groups: 3, rowsPerGroup: 100);

        var result = await sink.WriteAsync(TestData.Batch(Note(file), new BulkInsertNotification(Note(file)) { RowCount = 299 }), default);

        Assert.DoesNotContain(result.Rejected, r => r.Index == 0);
        Assert.Contains("declares 299 rows but the file holds 300", result.Rejected.Single(r => r.Index == 1).Reason);
        Assert.Equal(300, temp.Count("SELECT count(*) FROM feature__user__credit"));
        Assert.Empty(Directory.GetFiles(temp.Directory, BulkInsertSink.SpoolFilePrefix + "*"));
    }

    [Fact]
    public async Task A_spool_directory_that_does_not_exist_is_a_retryable_error_naming_the_setting()
    {
        await using var temp = new TempDatabase();
        var sink = new BulkInsertSink([new FileObjectStore()], new DuckDbOfflineStore(temp.Db), uploadBucket: null, Path.Combine(temp.Directory, "absent"));
        var file = await MultiGroupFile.WriteAsync(Path.Combine(temp.Directory, "x.parquet"), Schema, groups: 1, rowsPerGroup: 10);

        var error = await Assert.ThrowsAsync<IOException>(async () => await sink.WriteAsync(TestData.Batch(Note(file)), default));
        Assert.Contains("Stores:BulkInsert:SpoolDirectory", error.Message);
    }

    private static BulkInsertNotification Note(MultiGroupFile file) =>
        new() { ObjectUri = new Uri(file.Path).AbsoluteUri, Table = "feature__user__credit", Schema = Schema, RowCount = file.Rows };
}
