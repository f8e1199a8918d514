using Microsoft.AspNetCore.Http;
using Persistence.Contracts;
using Persistence.Sinks.Registry;
using Persistence.Stores.Objects.S3;

namespace Persistence.Cloud.Tests;

/// <summary>OFFLINE_STORE_BULK_INSERT_WRITER reading s3:// objects from a real S3-compatible server (s3rver) on loopback.</summary>
public sealed class S3BulkInsertTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private WriterHarness Writer(TempOfflineStore offline, string uploadBucket = "s3://uploads/", string? spoolDirectory = null) =>
        new(WriterType.OFFLINE_STORE_BULK_INSERT_WRITER, new WriterDependencies(_ => throw new InvalidOperationException(),
            Offline: offline.Store, ObjectStores: [new S3ObjectStore(s3.Client())], UploadBucket: uploadBucket, SpoolDirectory: spoolDirectory));

    [Fact]
    public async Task A_twenty_row_group_object_streams_through_a_spool_file_and_lands_whole_and_a_corrupt_tail_loads_nothing()
    {
        s3.SkipIfMissing();
        await using var offline = new TempOfflineStore();
        var work = Directory.CreateTempSubdirectory("s3-bulk-").FullName;
        var spool = Directory.CreateDirectory(Path.Combine(work, "spool")).FullName;
        try
        {
            var good = await MultiGroupFile.WriteAsync(Path.Combine(work, "good.parquet"), BulkFiles.Schema, groups: 20, rowsPerGroup: 500);
            var bad = await MultiGroupFile.WriteAsync(Path.Combine(work, "bad.parquet"), BulkFiles.Schema, groups: 20, rowsPerGroup: 500);
            await bad.CorruptLastRowGroupAsync();
            var run = Guid.NewGuid().ToString("N");
            await s3.PutAsync($"{run}/good.parquet", await File.ReadAllBytesAsync(good.Path));
            await s3.PutAsync($"{run}/bad.parquet", await File.ReadAllBytesAsync(bad.Path));
            await using var writer = Writer(offline, spoolDirectory: spool);

            await writer.PublishAsync(BulkFiles.Note($"s3://uploads/{run}/bad.parquet", 10_000));
            var dead = await writer.NextDeadLetterAsync();
            Assert.Equal("schema_conflict", dead.ErrorClass);
            Assert.Contains("row group 20 of 20 is not readable", dead.ErrorMessage);
            Assert.True(offline.TableRows(BulkFiles.Table) <= 0, "no row of the corrupt file may land");

            await writer.PublishAsync(BulkFiles.Note($"s3://uploads/{run}/good.parquet", 10_000));
            await Eventually.WaitAsync(() => writer.Input.Acked == 2, "both notifications acknowledged");
            Assert.Equal(10_000, offline.TableRows(BulkFiles.Table));
            Assert.Empty(Directory.GetFiles(spool));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_parquet_file_in_the_bucket_lands_as_rows_in_the_offline_store()
    {
        s3.SkipIfMissing();
        await using var offline = new TempOfflineStore();
        var key = $"runs/{Guid.NewGuid():N}/part 0.parquet";
        await s3.PutAsync(key, await BulkFiles.ParquetAsync("a", 250));
        await using var writer = Writer(offline);

        await writer.PublishAsync(BulkFiles.Note($"s3://uploads/{key}", 250));
        await Eventually.WaitAsync(() => writer.Input.Acked == 1, "the notification acknowledged");

        Assert.Equal(0, writer.Writer.Stats.DeadLettered);
        Assert.Equal(250, offline.TableRows(BulkFiles.Table));
        Assert.Equal(1.5 * 249, await offline.Db.UseAsync(c => Convert.ToDouble(Persistence.Stores.Embedded.DuckDbDatabase.Scalar(c, $"SELECT max(value) FROM {BulkFiles.Table}")), default));
    }

    [Fact]
    public async Task A_missing_object_is_dead_lettered_naming_its_uri()
    {
        s3.SkipIfMissing();
        await using var offline = new TempOfflineStore();
        await using var writer = Writer(offline);
        var uri = $"s3://uploads/missing/{Guid.NewGuid():N}.parquet";

        await writer.PublishAsync(BulkFiles.Note(uri));
        var dead = await writer.NextDeadLetterAsync();

        Assert.Equal("missing_object", dead.ErrorClass);
        Assert.Contains(uri, dead.ErrorMessage);
        // The dead letter is published before the notification is acknowledged, so wait for the ack.
        await Eventually.WaitAsync(() => writer.Input.Acked == 1, "the missing object's notification acknowledged");
    }

    [Fact]
    public async Task A_wrong_schema_or_corrupt_file_is_rejected_with_the_reason_and_nothing_is_half_loaded()
    {
        s3.SkipIfMissing();
        await using var offline = new TempOfflineStore();
        var wrong = $"wrong/{Guid.NewGuid():N}.parquet";
        var corrupt = $"corrupt/{Guid.NewGuid():N}.parquet";
        await s3.PutAsync(wrong, await BulkFiles.WrongSchemaParquetAsync("w", 100));
        var good = await BulkFiles.ParquetAsync("c", 100);
        await s3.PutAsync(corrupt, good[..(good.Length / 2)]);
        await using var writer = Writer(offline);

        await writer.PublishAsync(BulkFiles.Note($"s3://uploads/{wrong}"), BulkFiles.Note($"s3://uploads/{corrupt}"));
        var dead = new[] { await writer.NextDeadLetterAsync(), await writer.NextDeadLetterAsync() };

        Assert.All(dead, d => Assert.Equal("schema_conflict", d.ErrorClass));
        Assert.Contains(dead, d => d.ErrorMessage.Contains(wrong) && d.ErrorMessage.Contains("column 'value' is String"));
        Assert.Contains(dead, d => d.ErrorMessage.Contains(corrupt) && d.ErrorMessage.Contains("not a readable parquet file"));
        Assert.Equal(-1, offline.TableRows(BulkFiles.Table));
    }

    [Fact]
    public async Task Objects_outside_the_upload_bucket_are_refused_even_when_the_bucket_name_is_a_prefix()
    {
        s3.SkipIfMissing();
        await using var offline = new TempOfflineStore();
        await using var writer = Writer(offline, uploadBucket: "s3://uploads");

        await writer.PublishAsync(BulkFiles.Note("s3://uploads-elsewhere/x.parquet"));
        var dead = await writer.NextDeadLetterAsync();

        Assert.Equal("outside_bucket", dead.ErrorClass);
        Assert.Contains("outside the upload bucket s3://uploads", dead.ErrorMessage);
    }

    [Fact]
    public async Task S3_going_away_briefly_is_retried_and_nothing_is_dead_lettered()
    {
        s3.SkipIfMissing();
        await using var offline = new TempOfflineStore();
        var keys = Enumerable.Range(0, 5).Select(i => $"outage/{Guid.NewGuid():N}-{i}.parquet").ToList();
        foreach (var key in keys) await s3.PutAsync(key, await BulkFiles.ParquetAsync(key, 40));
        await using var writer = Writer(offline);

        s3.Stop();
        try
        {
            await writer.PublishAsync(keys.Select(k => BulkFiles.Note($"s3://uploads/{k}", 40)).ToArray());
            await Eventually.WaitAsync(() => writer.Writer.Stats.Retries >= 2, "reads to fail while S3 is down");
            Assert.Equal(0, writer.Input.Acked);
        }
        finally
        {
            await s3.StartAsync();
        }

        await Eventually.WaitAsync(() => writer.Input.Acked == 5, "every notification loaded after S3 came back");
        Assert.Equal(0, writer.Writer.Stats.DeadLettered);
        Assert.Equal(200, offline.TableRows(BulkFiles.Table));
    }

    /// <summary>s3rver has no IAM, so S3's AccessDenied answer comes from a loopback stub here.</summary>
    [Fact]
    public async Task Access_denied_is_permanent_and_names_the_bucket_and_the_permission_to_grant()
    {
        await using var stub = await StubHttpServer.StartAsync(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>");
        });
        var options = new S3ObjectStoreOptions { Region = "us-east-1", ServiceUrl = stub.Address.ToString().TrimEnd('/'), RequestTimeoutSeconds = 5 };
        await using var offline = new TempOfflineStore();
        await using var writer = new WriterHarness(WriterType.OFFLINE_STORE_BULK_INSERT_WRITER, new WriterDependencies(_ => throw new InvalidOperationException(),
            Offline: offline.Store, ObjectStores: [new S3ObjectStore(s3.Client(options))], UploadBucket: "s3://locked/"));

        await writer.PublishAsync(BulkFiles.Note("s3://locked/data/x.parquet"));
        var dead = await writer.NextDeadLetterAsync();

        Assert.Equal("permanent", dead.ErrorClass);
        Assert.Contains("s3:GetObject on arn:aws:s3:::locked/*", dead.ErrorMessage);
        Assert.Contains("s3://locked/data/x.parquet", dead.ErrorMessage);
        Assert.Equal(0, writer.Writer.Stats.Retries);
    }
}
