using Google.Apis.Auth.OAuth2;
using Grpc.Core;

namespace Persistence.Buses.PubSub;

/// <summary>
/// The bearer token each Pub/Sub call carries on GKE, from Google.Apis.Auth: Google's application default
/// credentials, which on GKE are the metadata server's token for the Google service account Workload Identity
/// binds to the pod. The library caches the token and refreshes it once for all concurrent calls shortly before
/// it expires. The credential is looked up on the first call, not at construction, so a bus can be built where
/// there are none yet; a failed lookup is retried on the next call.
/// </summary>
public sealed class GoogleCallCredentials(Func<CancellationToken, Task<ICredential>> lookup)
{
    private const string PubSubScope = "https://www.googleapis.com/auth/pubsub";
    private readonly SemaphoreSlim _lookingUp = new(1, 1);
    private ICredential? _credential;

    /// <summary>Application default credentials, scoped to Pub/Sub.</summary>
    public static GoogleCallCredentials ApplicationDefault() => new(async cancellationToken =>
    {
        var credential = await GoogleCredential.GetApplicationDefaultAsync(cancellationToken).ConfigureAwait(false);
        return credential.IsCreateScopedRequired ? credential.CreateScoped(PubSubScope) : credential;
    });

    public CallCredentials ToCallCredentials() => CallCredentials.FromInterceptor(AddAsync);

    public async Task AddAsync(AuthInterceptorContext context, Metadata metadata)
    {
        var credential = await CredentialAsync(context.CancellationToken).ConfigureAwait(false);
        var token = await credential.GetAccessTokenForRequestAsync(context.ServiceUrl, context.CancellationToken).ConfigureAwait(false);
        metadata.Add("authorization", $"Bearer {token}");
    }

    private async Task<ICredential> CredentialAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _credential) is { } found) return found;
        await _lookingUp.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _credential ??= await lookup(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lookingUp.Release();
        }
    }
}
