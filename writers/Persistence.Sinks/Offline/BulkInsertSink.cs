using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Stores;

namespace Persistence.Sinks.Offline;

/// <summary>
/// OFFLINE_STORE_BULK_INSERT_WRITER: loads the parquet file a notification names into its table, in one
/// transaction, so a bad file loads nothing. A missing object, an unserved scheme, a file outside the
/// upload bucket or a file that does not match its schema is rejected with the reason; read errors retry.
/// Memory stays bounded whatever the file's size: the object is spooled to a temp file in
/// <paramref name="spoolDirectory"/> (deleted after the load), decoded one row group at a time, and each row
/// group goes to the store as one chunk of the same transaction.
/// </summary>
/// <param name="spoolDirectory">Where objects are spooled; the system temp directory when null.</param>
public sealed class BulkInsertSink(IReadOnlyList<IObjectStore> objectStores, IOfflineStore store, string? uploadBucket, string? spoolDirectory = null) : ISink<BulkInsertNotification>
{
    /// <summary>Spooled objects are named so; anything left by a killed pod is recognisable (and emptyDirs die with the pod).</summary>
    public const string SpoolFilePrefix = "bulk-insert-";

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

        await using var spool = OpenSpool();
        try
        {
            await objects.CopyToAsync(uri, spool, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ("missing_object", $"object {note.ObjectUri} does not exist");
        }
        spool.Position = 0;
        try
        {
            await using var groups = await ParquetRowGroups.OpenAsync(spool, note.Table, note.Schema, cancellationToken).ConfigureAwait(false);
            // The footer knows every row group's count: a wrong declaration is refused before a row is staged.
            if (note.RowCount != 0 && note.RowCount != groups.RowCount)
                return ("row_count_mismatch", $"notification for {note.ObjectUri} declares {note.RowCount} rows but the file holds {groups.RowCount}");
            await store.EnsureTableAsync(note.Table, note.Schema, cancellationToken).ConfigureAwait(false);
            await store.InsertAsync(note.Table, note.Schema, groups.ReadAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (SchemaConflictException e)
        {
            return ("schema_conflict", $"{note.ObjectUri}: {e.Message}");
        }
    }

    // DeleteOnClose: the spool goes when the stream is disposed, on success, rejection, retryable error or cancellation.
    private FileStream OpenSpool()
    {
        var directory = spoolDirectory ?? Path.GetTempPath();
        var path = Path.Combine(directory, $"{SpoolFilePrefix}{Guid.NewGuid():N}.parquet");
        try
        {
            return new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16,
                FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException)
        {
            // Retryable (a volume may mount late), but with the setting that fixes it.
            throw new IOException($"cannot spool bulk insert objects into {directory} ({e.Message}); point {Contracts.SettingNames.Stores.BulkInsertSpoolDirectory} at a writable directory (an emptyDir sized for the largest file)", e);
        }
    }
}
