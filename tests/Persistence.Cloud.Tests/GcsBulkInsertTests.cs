using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Persistence.Contracts;
using Persistence.Sinks.Registry;
using Persistence.Stores;
using Persistence.Stores.Objects;
using Persistence.Stores.Objects.Gcs;

namespace Persistence.Cloud.Tests;

/// <summary>
/// OFFLINE_STORE_BULK_INSERT_WRITER reading gs:// objects. No GCS server can be installed here, so these run
/// against a loopback stub of the JSON API's media download (Google.Cloud.Storage.V1 with its BaseUri pointed there)
/// and of the GKE metadata server's token endpoint (Google.Apis.Auth's ComputeCredential).
/// </summary>
public sealed class GcsBulkInsertTests
{
    private const string Token = "token-from-metadata";

    /// <summary>Objects by (bucket, object name); requests need the metadata server's token.</summary>
    private sealed class FakeGcs
    {
        public ConcurrentDictionary<(string Bucket, string Name), byte[]> Objects { get; } = new();
        public int FailNext;
        /// <summary>Answers this many downloads with half the body and then a reset connection.</summary>
        public int CutNext;
        public int Denied;
        /// <summary>1: every download is answered 401, as for a revoked token.</summary>
        public int Unauthorized;
        /// <summary>Answers this many downloads with one byte flipped, under the hash of the true bytes.</summary>
        public int CorruptNext;
        public int TokensIssued;
        /// <summary>False: an emulator, which takes requests without credentials.</summary>
        public bool RequireToken = true;
        public int WithAuthorization;
        public ConcurrentQueue<string> RawTargets { get; } = new();

        public async Task HandleAsync(HttpContext context)
        {
            var raw = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            RawTargets.Enqueue(raw);
            if (raw.StartsWith("/computeMetadata/v1/instance/service-accounts/default/token", StringComparison.Ordinal))
            {
                if (context.Request.Headers["Metadata-Flavor"] != "Google") { context.Response.StatusCode = 403; return; }
                Interlocked.Increment(ref TokensIssued);
                await context.Response.WriteAsJsonAsync(new { access_token = Token, expires_in = 3599, token_type = "Bearer" });
                return;
            }
            if (context.Request.Headers.Authorization.Count > 0) Interlocked.Increment(ref WithAuthorization);
            if (Volatile.Read(ref Unauthorized) == 1) { context.Response.StatusCode = 401; return; }
            if (Volatile.Read(ref Denied) == 1 || (RequireToken && context.Request.Headers.Authorization != $"Bearer {Token}")) { context.Response.StatusCode = 403; return; }
            if (Interlocked.Decrement(ref FailNext) >= 0) { context.Response.StatusCode = 503; return; }
            // GET /storage/v1/b/{bucket}/o/{object, one escaped segment}?alt=media
            var path = raw.Split('?')[0].Split('/');
            if (path.Length != 7 || path[1] != "storage" || path[3] != "b" || path[5] != "o" || !raw.EndsWith("?alt=media", StringComparison.Ordinal)) { context.Response.StatusCode = 400; return; }
            if (!Objects.TryGetValue((Uri.UnescapeDataString(path[4]), Uri.UnescapeDataString(path[6])), out var bytes)) { context.Response.StatusCode = 404; return; }
            if (Interlocked.Decrement(ref CutNext) >= 0)
            {
                context.Response.ContentLength = bytes.Length;
                await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }
            // As GCS does: the stored object's CRC32C, which the client checks the received bytes against.
            context.Response.Headers["x-goog-hash"] = "crc32c=" + Crc32C.Base64(bytes);
            if (Interlocked.Decrement(ref CorruptNext) >= 0)
            {
                var flipped = bytes.ToArray();
                flipped[flipped.Length / 2] ^= 0xFF;
                await context.Response.Body.WriteAsync(flipped);
                return;
            }
            await context.Response.Body.WriteAsync(bytes);
        }
    }

    private static async Task<(StubHttpServer Server, IObjectStore Store)> StartAsync(FakeGcs gcs)
    {
        var server = await StubHttpServer.StartAsync(gcs.HandleAsync);
        var options = new GcsObjectStoreOptions
        {
            Endpoint = server.Address.ToString(), Authentication = "Metadata", MetadataHost = server.Address.Authority, RequestTimeoutSeconds = 5,
        };
        return (server, ObjectStoreFactory.CreateGcs(options, _ => null));
    }

    private static WriterHarness Writer(TempOfflineStore offline, IObjectStore store, string? spoolDirectory = null) =>
        new(WriterType.OFFLINE_STORE_BULK_INSERT_WRITER, new WriterDependencies(_ => throw new InvalidOperationException(),
            Offline: offline.Store, ObjectStores: [store], UploadBucket: "gs://team-uploads/", SpoolDirectory: spoolDirectory));

    [Fact]
    public async Task A_download_cut_halfway_is_retried_and_the_twenty_row_group_object_then_lands_whole_leaving_no_spool_file()
    {
        var work = Directory.CreateTempSubdirectory("gcs-bulk-").FullName;
        var spool = Directory.CreateDirectory(Path.Combine(work, "spool")).FullName;
        try
        {
            var file = await MultiGroupFile.WriteAsync(Path.Combine(work, "big.parquet"), BulkFiles.Schema, groups: 20, rowsPerGroup: 500);
            var gcs = new FakeGcs { CutNext = 1 };
            gcs.Objects[("team-uploads", "big.parquet")] = await File.ReadAllBytesAsync(file.Path);
            var (server, store) = await StartAsync(gcs);
            await using var _ = server;
            await using var offline = new TempOfflineStore();
            await using var writer = Writer(offline, store, spool);

            await writer.PublishAsync(BulkFiles.Note("gs://team-uploads/big.parquet", 10_000));
            await Eventually.WaitAsync(() => writer.Input.Acked == 1, "the notification acknowledged");

            Assert.Equal(0, writer.Writer.Stats.DeadLettered);
            Assert.True(gcs.RawTargets.Count(t => t.StartsWith("/storage/", StringComparison.Ordinal)) >= 2, "the cut download was retried");
            Assert.Equal(10_000, offline.TableRows(BulkFiles.Table));
            Assert.Empty(Directory.GetFiles(spool));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Theory]
    [InlineData(3, 0)] // 5xx answers: the writer loop retries (the client's own retries are off), nothing is dead-lettered
    [InlineData(0, 1)] // a body that does not match its CRC32C: refused by the client, retried, only the true bytes land
    public async Task A_failed_download_is_retried_and_only_the_true_bytes_land(int serverErrors, int corruptBodies)
    {
        var gcs = new FakeGcs { FailNext = serverErrors, CorruptNext = corruptBodies };
        gcs.Objects[("team-uploads", "a.parquet")] = await BulkFiles.ParquetAsync("a", 40);
        var (server, store) = await StartAsync(gcs);
        await using var _ = server;
        await using var offline = new TempOfflineStore();
        await using var writer = Writer(offline, store);

        await writer.PublishAsync(BulkFiles.Note("gs://team-uploads/a.parquet", 40));
        await Eventually.WaitAsync(() => writer.Input.Acked == 1, "the notification acknowledged");

        Assert.Equal(serverErrors + corruptBodies, writer.Writer.Stats.Retries);
        Assert.Equal(0, writer.Writer.Stats.DeadLettered);
        Assert.Equal(40, offline.TableRows(BulkFiles.Table));
    }

    [Fact]
    public async Task A_parquet_object_lands_as_rows_using_the_metadata_servers_token_and_an_escaped_object_name()
    {
        var gcs = new FakeGcs();
        gcs.Objects[("team-uploads", "runs/1/part 0.parquet")] = await BulkFiles.ParquetAsync("g", 120);
        var (server, store) = await StartAsync(gcs);
        await using var _ = server;
        await using var offline = new TempOfflineStore();
        await using var writer = Writer(offline, store);

        await writer.PublishAsync(BulkFiles.Note("gs://team-uploads/runs/1/part 0.parquet", 120));
        await Eventually.WaitAsync(() => writer.Input.Acked == 1, "the notification acknowledged");

        Assert.Equal(0, writer.Writer.Stats.DeadLettered);
        Assert.Equal(120, offline.TableRows(BulkFiles.Table));
        Assert.Contains("/storage/v1/b/team-uploads/o/runs%2F1%2Fpart%200.parquet?alt=media", gcs.RawTargets);
        Assert.Equal(1, gcs.TokensIssued);
    }

    [Fact]
    public async Task An_emulator_named_by_STORAGE_EMULATOR_HOST_is_read_without_credentials()
    {
        var gcs = new FakeGcs { RequireToken = false };
        gcs.Objects[("team-uploads", "e.parquet")] = await BulkFiles.ParquetAsync("e", 25);
        await using var server = await StubHttpServer.StartAsync(gcs.HandleAsync);
        // Authentication Auto with no Endpoint: the emulator variable decides, as Google's own clients do.
        var store = ObjectStoreFactory.CreateGcs(new GcsObjectStoreOptions(), name => name == "STORAGE_EMULATOR_HOST" ? server.Address.Authority : null);
        await using var offline = new TempOfflineStore();
        await using var writer = Writer(offline, store);

        await writer.PublishAsync(BulkFiles.Note("gs://team-uploads/e.parquet", 25));
        await Eventually.WaitAsync(() => writer.Input.Acked == 1, "the notification acknowledged");

        Assert.Equal(25, offline.TableRows(BulkFiles.Table));
        Assert.Contains("/storage/v1/b/team-uploads/o/e.parquet?alt=media", gcs.RawTargets);
        Assert.Equal((0, 0), (gcs.TokensIssued, gcs.WithAuthorization));
    }

    [Fact]
    public async Task A_missing_object_is_dead_lettered_and_a_wrong_schema_loads_nothing()
    {
        var gcs = new FakeGcs();
        gcs.Objects[("team-uploads", "wrong.parquet")] = await BulkFiles.WrongSchemaParquetAsync("w", 30);
        var (server, store) = await StartAsync(gcs);
        await using var _ = server;
        await using var offline = new TempOfflineStore();
        await using var writer = Writer(offline, store);

        await writer.PublishAsync(BulkFiles.Note("gs://team-uploads/nope.parquet"), BulkFiles.Note("gs://team-uploads/wrong.parquet"));
        var dead = new[] { await writer.NextDeadLetterAsync(), await writer.NextDeadLetterAsync() };

        Assert.Contains(dead, d => d.ErrorClass == "missing_object" && d.ErrorMessage.Contains("gs://team-uploads/nope.parquet"));
        Assert.Contains(dead, d => d.ErrorClass == "schema_conflict" && d.ErrorMessage.Contains("column 'value' is String"));
        Assert.Equal(-1, offline.TableRows(BulkFiles.Table));
    }

    [Fact]
    public async Task Access_denied_after_a_fresh_token_is_permanent_and_names_the_bucket_and_role()
    {
        var gcs = new FakeGcs { Denied = 1 };
        var (server, store) = await StartAsync(gcs);
        await using var _ = server;
        await using var offline = new TempOfflineStore();
        await using var writer = Writer(offline, store);

        await writer.PublishAsync(BulkFiles.Note("gs://team-uploads/a.parquet"));
        var dead = await writer.NextDeadLetterAsync();

        Assert.Equal("permanent", dead.ErrorClass);
        Assert.Contains("roles/storage.objectViewer on bucket team-uploads", dead.ErrorMessage);
        Assert.Equal(2, gcs.TokensIssued);
    }

    [Fact]
    public async Task Unauthorized_after_fresh_tokens_is_permanent_and_names_the_bucket_and_role()
    {
        var gcs = new FakeGcs { Unauthorized = 1 };
        var (server, store) = await StartAsync(gcs);
        await using var _ = server;
        await using var offline = new TempOfflineStore();
        await using var writer = Writer(offline, store);

        await writer.PublishAsync(BulkFiles.Note("gs://team-uploads/a.parquet"));
        var dead = await writer.NextDeadLetterAsync();

        Assert.Equal("permanent", dead.ErrorClass);
        Assert.Contains("access denied (401) reading gs://team-uploads/a.parquet", dead.ErrorMessage);
        Assert.Contains("roles/storage.objectViewer on bucket team-uploads", dead.ErrorMessage);
        Assert.True(gcs.TokensIssued >= 2, $"a 401 is answered with a fresh token before giving up ({gcs.TokensIssued} issued)");
        Assert.Equal(0, writer.Writer.Stats.Retries);
    }

    [Theory]
    [InlineData("", null, "Auto", "https://storage.googleapis.com/", true)]
    [InlineData("", "127.0.0.1:4443", "Auto", "http://127.0.0.1:4443/", false)]
    [InlineData("", "http://fake-gcs:4443", "Auto", "http://fake-gcs:4443/", false)]
    [InlineData("http://127.0.0.1:9023", "ignored:1", "Auto", "http://127.0.0.1:9023/", false)]
    [InlineData("https://storage.googleapis.com", null, "None", "https://storage.googleapis.com/", false)]
    public void The_endpoint_and_token_follow_the_settings_and_STORAGE_EMULATOR_HOST(string endpoint, string? emulator, string authentication, string expected, bool authenticated)
    {
        var options = new GcsObjectStoreOptions { Endpoint = endpoint, Authentication = authentication };
        var resolved = options.ResolveEndpoint(name => name == "STORAGE_EMULATOR_HOST" ? emulator : null);
        Assert.Equal(expected, resolved.Endpoint.AbsoluteUri);
        Assert.Equal(authenticated, resolved.Authenticated);
    }
}

/// <summary>CRC32C (Castagnoli), the checksum GCS keeps per object and sends as x-goog-hash: crc32c=(base64, big-endian).</summary>
internal static class Crc32C
{
    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(i =>
    {
        var c = (uint)i;
        for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static string Base64(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        crc ^= 0xFFFFFFFFu;
        return Convert.ToBase64String([(byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc]);
    }
}
