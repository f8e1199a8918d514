using Persistence.Stores;
using Persistence.Stores.Objects.Gcs;
using Persistence.Stores.Objects.S3;

namespace Persistence.Stores.Objects;

/// <summary>Builds the object stores a bulk insert writer serves: file:// always, s3:// and gs:// from their options.</summary>
public static class ObjectStoreFactory
{
    public static IObjectStore CreateS3(S3ObjectStoreOptions options) => new S3ObjectStore(options.CreateClient());

    public static IObjectStore CreateGcs(GcsObjectStoreOptions options, Func<string, string?>? environment = null, TimeProvider? clock = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds) };
        var (endpoint, authenticated) = options.ResolveEndpoint(environment);
        IGcsTokenSource tokens = authenticated
            ? new MetadataServerTokenSource(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, options.ResolveMetadataHost(environment), clock ?? TimeProvider.System)
            : new NoGcsToken();
        return new GcsObjectStore(http, endpoint, tokens);
    }
}
