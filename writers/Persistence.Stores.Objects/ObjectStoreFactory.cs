using Persistence.Stores;
using Persistence.Stores.Objects.Gcs;
using Persistence.Stores.Objects.S3;

namespace Persistence.Stores.Objects;

/// <summary>Builds the object stores a bulk insert writer serves: file:// always, s3:// and gs:// from their options.</summary>
public static class ObjectStoreFactory
{
    public static IObjectStore CreateS3(S3ObjectStoreOptions options) => new S3ObjectStore(options.CreateClient());

    public static IObjectStore CreateGcs(GcsObjectStoreOptions options, Func<string, string?>? environment = null) =>
        new GcsObjectStore(new GcsClients(options, environment ?? Environment.GetEnvironmentVariable));
}
