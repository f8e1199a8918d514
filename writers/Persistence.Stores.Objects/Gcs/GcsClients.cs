using Google.Apis.Auth.OAuth2;
using Google.Apis.Storage.v1;
using Google.Cloud.Storage.V1;

namespace Persistence.Stores.Objects.Gcs;

/// <summary>
/// Builds the <see cref="StorageClient"/> on first use, so a writer starts (and reports readiness problems)
/// even where Google's default credentials are not there yet, and a failed lookup is retried by the writer
/// loop instead of failing the process.
/// <list type="bullet">
/// <item>BaseUri is the JSON API root (<c>{endpoint}/storage/v1/</c>), so an emulator or a loopback stub serves the same requests.</item>
/// <item>Credentials: none for an emulator; the metadata server's ComputeCredential (Workload Identity on GKE) for
/// <c>Authentication: Metadata</c>; Google's application default credentials otherwise, which on GKE are
/// that same metadata server.</item>
/// <item>Retries: Storage.V1 5.x builds its HTTP client without back-off handlers and retries a download on no
/// status code of its own; the tries are capped at two, for the credential's single refresh after a 401. The
/// writer loop owns every other retry (its back-off, its counters, its dead-lettering).</item>
/// </list>
/// </summary>
public sealed class GcsClients(GcsObjectStoreOptions options, Func<string, string?> environment) : IDisposable
{
    private readonly SemaphoreSlim _building = new(1, 1);
    private readonly (Uri Endpoint, bool Authenticated) _resolved = options.ResolveEndpoint(environment);
    private StorageClient? _client;
    private ICredential? _credential;

    public Uri Endpoint => _resolved.Endpoint;
    public TimeSpan RequestTimeout { get; } = TimeSpan.FromSeconds(options.RequestTimeoutSeconds);

    public async ValueTask<StorageClient> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _client) is { } built) return built;
        await _building.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client is not null) return _client;
            var credential = _resolved.Authenticated ? await CredentialAsync(cancellationToken).ConfigureAwait(false) : null;
            var client = new StorageClientBuilder
            {
                BaseUri = _resolved.Endpoint.AbsoluteUri.TrimEnd('/') + "/storage/v1/",
                Credential = credential,
                UnauthenticatedAccess = credential is null,
            }.Build();
            client.Service.HttpClient.Timeout = RequestTimeout;
            // Two tries: the request, and the credential's one refresh-and-resend after a 401. No back-off handler
            // is registered, so a 5xx, 429 or network error comes straight back to the writer loop.
            client.Service.HttpClient.MessageHandler.NumTries = 2;
            (_credential, _client) = (credential, client);
            return client;
        }
        finally
        {
            _building.Release();
        }
    }

    /// <summary>Fetches a new access token, for a request the server refused with the cached one.</summary>
    public async Task RefreshTokenAsync(CancellationToken cancellationToken)
    {
        var credential = _credential is GoogleCredential google ? google.UnderlyingCredential : _credential;
        switch (credential)
        {
            case ServiceCredential service: await service.RequestAccessTokenAsync(cancellationToken).ConfigureAwait(false); break;
            case UserCredential user: await user.RefreshTokenAsync(cancellationToken).ConfigureAwait(false); break;
        }
    }

    private async Task<ICredential> CredentialAsync(CancellationToken cancellationToken)
    {
        var metadataHost = options.ResolveMetadataHost(environment);
        if (options.Authentication.Equals("Metadata", StringComparison.OrdinalIgnoreCase) || !string.IsNullOrWhiteSpace(options.MetadataHost))
            return GoogleCredential.FromComputeCredential(new ComputeCredential(
                new ComputeCredential.Initializer($"http://{metadataHost}/computeMetadata/v1/instance/service-accounts/default/token")));
        try
        {
            var credential = await GoogleCredential.GetApplicationDefaultAsync(cancellationToken).ConfigureAwait(false);
            return credential.IsCreateScopedRequired ? credential.CreateScoped(StorageService.Scope.DevstorageReadOnly) : credential;
        }
        catch (InvalidOperationException e)
        {
            throw new IOException(
                "no Google credentials for GCS (transient, retrying): on GKE bind the writer's Kubernetes service account to a Google " +
                $"service account (Workload Identity); elsewhere set GOOGLE_APPLICATION_CREDENTIALS, or {Contracts.SettingNames.Stores.GcsEndpoint} to an emulator. {e.Message}", e);
        }
    }

    public void Dispose()
    {
        _client?.Dispose();
        _building.Dispose();
    }
}
