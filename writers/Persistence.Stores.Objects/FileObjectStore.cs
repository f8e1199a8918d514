namespace Persistence.Stores.Objects;

/// <summary>file:// objects: local runs and tests.</summary>
public sealed class FileObjectStore : IObjectStore
{
    public IReadOnlyCollection<string> Schemes { get; } = ["file"];

    public async Task CopyToAsync(Uri uri, Stream destination, CancellationToken cancellationToken)
    {
        await using var source = new FileStream(uri.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, useAsync: true);
        await source.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }
}
