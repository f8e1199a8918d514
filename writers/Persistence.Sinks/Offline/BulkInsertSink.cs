using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks.Stores;

namespace Persistence.Sinks.Offline;

/// <summary>
/// OFFLINE_STORE_BULK_INSERT_WRITER: loads the parquet file a notification names into its table, in one
/// transaction, so a bad file loads nothing. A missing object, an unserved scheme, a file outside the
/// upload bucket or a file that does not match its schema is rejected with the reason; read errors retry.
/// </summary>
public sealed class BulkInsertSink(IReadOnlyList<IObjectStore> objectStores, IOfflineStore store, string? uploadBucket) : ISink<BulkInsertNotification>
{
    public async ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<BulkInsertNotification>> batch, CancellationToken cancellationToken)
    {
        var rejected = new List<Rejection>();
        for (var i = 0; i < batch.Count; i++)
        {
            var problem = await LoadAsync(batch[i].Value, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
                rejected.Add(new Rejection(i, problem.Value.Class, problem.Value.Reason));
        }
        return new WriteResult(rejected);
    }

    // "s3://uploads" must not admit "s3://uploads-other/...": compare up to a path boundary.
    private static string BucketPrefix(string bucket) => bucket.EndsWith('/') ? bucket : bucket + "/";

    private async Task<(string Class, string Reason)?> LoadAsync(BulkInsertNotification note, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(note.ObjectUri, UriKind.Absolute, out var uri))
            return ("bad_uri", $"object_uri '{note.ObjectUri}' is not an absolute URI (expected s3://, gs:// or file://)");
        if (!string.IsNullOrEmpty(uploadBucket) && uri.Scheme != "file" && !note.ObjectUri.StartsWith(BucketPrefix(uploadBucket), StringComparison.Ordinal))
            return ("outside_bucket", $"object {note.ObjectUri} is outside the upload bucket {uploadBucket} ({Contracts.SettingNames.Stores.UploadBucket}); upload into that bucket or correct the setting");
        var objects = objectStores.FirstOrDefault(s => s.Schemes.Contains(uri.Scheme));
        if (objects is null)
            return ("unserved_scheme", $"no object store serves {uri.Scheme}:// here (served: {string.Join(", ", objectStores.SelectMany(s => s.Schemes))}); check the upload bucket's cloud prefix");

        byte[] bytes;
        try
        {
            bytes = await objects.ReadAllBytesAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ("missing_object", $"object {note.ObjectUri} does not exist");
        }
        try
        {
            var rows = await ParquetCodec.DecodeAsync(bytes, note.Table, note.Schema, cancellationToken).ConfigureAwait(false);
            if (note.RowCount != 0 && note.RowCount != rows.Count)
                return ("row_count_mismatch", $"notification for {note.ObjectUri} declares {note.RowCount} rows but the file holds {rows.Count}");
            await store.EnsureTableAsync(note.Table, note.Schema, cancellationToken).ConfigureAwait(false);
            await store.InsertAsync(new TableRows(note.Table, note.Schema, rows), cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (SchemaConflictException e)
        {
            return ("schema_conflict", $"{note.ObjectUri}: {e.Message}");
        }
    }
}
