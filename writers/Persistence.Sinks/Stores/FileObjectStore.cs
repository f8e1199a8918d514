namespace Persistence.Sinks.Stores;

/// <summary>file:// objects: local runs and tests.</summary>
public sealed class FileObjectStore : IObjectStore
{
    public IReadOnlyCollection<string> Schemes { get; } = ["file"];

    public Task<byte[]> ReadAllBytesAsync(Uri uri, CancellationToken cancellationToken) =>
        File.ReadAllBytesAsync(uri.LocalPath, cancellationToken);
}
