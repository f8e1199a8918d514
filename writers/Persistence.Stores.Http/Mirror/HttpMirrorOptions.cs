using Persistence.Contracts;

namespace Persistence.Stores.Http.Mirror;

/// <summary>Bound from Stores:Mirror. The target is ApiServerHost (the spec's api_server_host) plus Path.</summary>
public sealed class HttpMirrorOptions
{
    /// <summary>e.g. https://api.internal or api-server:8080 (https is assumed without a scheme).</summary>
    public string ApiServerHost { get; set; } = "";

    public string Path { get; set; } = "/v1/query/online";

    /// <summary>Requests started per second, across all batches of this writer.</summary>
    public double RatePerSecond { get; set; } = 10;

    /// <summary>Requests in flight at once, across all batches of this writer.</summary>
    public int MaxConcurrency { get; set; } = 4;

    public int RequestTimeoutSeconds { get; set; } = 10;

    /// <summary>A Retry-After longer than this is shortened to it, so one bad header cannot park the writer for hours.</summary>
    public int MaxRetryAfterSeconds { get; set; } = 300;

    /// <summary>Optional mounted file holding a bearer token for the API server; re-read per batch so rotation needs no restart.</summary>
    public string TokenPath { get; set; } = "";

    public Uri TargetUrl
    {
        get
        {
            var host = ApiServerHost.Trim().TrimEnd('/');
            if (!host.Contains("://", StringComparison.Ordinal)) host = "https://" + host;
            return new Uri(host + "/" + Path.TrimStart('/'));
        }
    }

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(ApiServerHost)) yield break;
        var host = ApiServerHost.Contains("://", StringComparison.Ordinal) ? ApiServerHost : "https://" + ApiServerHost;
        if (!Uri.TryCreate(host, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || string.IsNullOrEmpty(url.Host))
            yield return $"{SettingNames.Stores.ApiServerHost} '{ApiServerHost}' is not an http(s) host, e.g. https://api.internal or api-server:8080";
        if (!Path.StartsWith('/'))
            yield return $"{SettingNames.Stores.MirrorPath} '{Path}' must start with /, e.g. /v1/query/online";
        if (!(RatePerSecond > 0) || double.IsInfinity(RatePerSecond))
            yield return $"{SettingNames.Stores.MirrorRatePerSecond} must be a positive number of requests per second (was {RatePerSecond})";
        if (MaxConcurrency < 1)
            yield return $"{SettingNames.Stores.MirrorMaxConcurrency} must be at least 1 (was {MaxConcurrency})";
        if (RequestTimeoutSeconds < 1)
            yield return $"{SettingNames.Stores.MirrorRequestTimeoutSeconds} must be at least 1 (was {RequestTimeoutSeconds})";
        if (MaxRetryAfterSeconds < 0)
            yield return $"{SettingNames.Stores.MirrorMaxRetryAfterSeconds} must not be negative (was {MaxRetryAfterSeconds})";
        if (!string.IsNullOrEmpty(TokenPath) && !File.Exists(TokenPath))
            yield return $"{SettingNames.Stores.MirrorTokenPath} names {TokenPath}, which does not exist; mount the API token secret there";
    }
}
