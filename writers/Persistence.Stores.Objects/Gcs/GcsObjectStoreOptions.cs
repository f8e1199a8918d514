using Persistence.Contracts;

namespace Persistence.Stores.Objects.Gcs;

/// <summary>
/// Bound from Stores:Gcs. With no endpoint the store talks to Google with Google's application default
/// credentials (on GKE: the metadata server's Workload Identity token). An emulator (Endpoint, or
/// STORAGE_EMULATOR_HOST as Google's clients honour it) gets no token.
/// </summary>
public sealed class GcsObjectStoreOptions
{
    public const string GoogleEndpoint = "https://storage.googleapis.com";
    public const string DefaultMetadataHost = "metadata.google.internal";

    /// <summary>JSON API root, e.g. http://127.0.0.1:4443 for an emulator. Empty: Google, or STORAGE_EMULATOR_HOST when set.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Where the metadata server is; empty: GCE_METADATA_HOST, else metadata.google.internal. Set, it implies Metadata authentication.</summary>
    public string MetadataHost { get; set; } = "";

    /// <summary>
    /// Auto: Google's application default credentials for Google's endpoint, none for an emulator. Metadata: always
    /// the metadata server's token (Google.Apis.Auth's ComputeCredential). None: never (unauthenticated client).
    /// </summary>
    public string Authentication { get; set; } = "Auto";

    public int RequestTimeoutSeconds { get; set; } = 60;

    /// <summary>The endpoint in force and whether requests carry a token.</summary>
    public (Uri Endpoint, bool Authenticated) ResolveEndpoint(Func<string, string?> environment)
    {
        var endpoint = !string.IsNullOrWhiteSpace(Endpoint) ? Endpoint.TrimEnd('/')
            : environment("STORAGE_EMULATOR_HOST") is { Length: > 0 } emulator
                ? (emulator.Contains("://", StringComparison.Ordinal) ? emulator : "http://" + emulator).TrimEnd('/')
                : GoogleEndpoint;
        var authenticated = Authentication.ToUpperInvariant() switch
        {
            "METADATA" => true,
            "NONE" => false,
            _ => endpoint == GoogleEndpoint,
        };
        return (new Uri(endpoint), authenticated);
    }

    public string ResolveMetadataHost(Func<string, string?> environment) =>
        !string.IsNullOrWhiteSpace(MetadataHost) ? MetadataHost
        : environment("GCE_METADATA_HOST") is { Length: > 0 } host ? host
        : DefaultMetadataHost;

    public IEnumerable<string> Problems()
    {
        if (!string.IsNullOrEmpty(Endpoint) && !(Uri.TryCreate(Endpoint, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            yield return $"{SettingNames.Stores.GcsEndpoint} '{Endpoint}' must be an absolute http(s) URL, e.g. http://127.0.0.1:4443 for an emulator";
        if (Authentication.ToUpperInvariant() is not ("AUTO" or "METADATA" or "NONE"))
            yield return $"{SettingNames.Stores.GcsAuthentication} '{Authentication}' is not one of Auto, Metadata, None";
        if (RequestTimeoutSeconds < 1)
            yield return $"{SettingNames.Stores.GcsRequestTimeoutSeconds} must be at least 1 (was {RequestTimeoutSeconds})";
    }
}
