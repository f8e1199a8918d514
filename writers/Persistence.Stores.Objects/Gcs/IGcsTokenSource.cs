namespace Persistence.Stores.Objects.Gcs;

/// <summary>Bearer tokens for the GCS JSON API; null means none is needed (an emulator).</summary>
public interface IGcsTokenSource
{
    ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>Forgets a token the server refused, so the next call fetches a fresh one.</summary>
    void Invalidate();
}

/// <summary>For emulators, which take no credentials.</summary>
public sealed class NoGcsToken : IGcsTokenSource
{
    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);
    public void Invalidate() { }
}
