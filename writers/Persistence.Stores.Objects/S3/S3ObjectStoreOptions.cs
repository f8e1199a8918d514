using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Persistence.Contracts;

namespace Persistence.Stores.Objects.S3;

/// <summary>
/// Bound from Stores:S3. Credentials always come from the default AWS chain (IRSA web identity in EKS,
/// env or profile elsewhere); none are configured here, so none can be logged.
/// </summary>
public sealed class S3ObjectStoreOptions
{
    /// <summary>e.g. us-east-1. Empty: the SDK's own resolution (AWS_REGION, profile, instance metadata).</summary>
    public string Region { get; set; } = "";

    /// <summary>An S3-compatible endpoint (tests, MinIO); path-style addressing is used with it.</summary>
    public string ServiceUrl { get; set; } = "";

    /// <summary>Per request. The writer loop retries a timed-out read with backoff.</summary>
    public int RequestTimeoutSeconds { get; set; } = 60;

    public IEnumerable<string> Problems()
    {
        if (!string.IsNullOrEmpty(Region) && RegionEndpoint.EnumerableAllRegions.All(r => r.SystemName != Region) && !LooksLikeRegion(Region))
            yield return $"{SettingNames.Stores.S3Region} '{Region}' is not an AWS region name, e.g. us-east-1";
        if (!string.IsNullOrEmpty(ServiceUrl) && !(Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            yield return $"{SettingNames.Stores.S3ServiceUrl} '{ServiceUrl}' must be an absolute http(s) URL, e.g. http://127.0.0.1:9000";
        if (RequestTimeoutSeconds < 1)
            yield return $"{SettingNames.Stores.S3RequestTimeoutSeconds} must be at least 1 (was {RequestTimeoutSeconds})";
    }

    public AmazonS3Config CreateConfig()
    {
        var config = new AmazonS3Config
        {
            Timeout = TimeSpan.FromSeconds(RequestTimeoutSeconds),
            // The writer loop owns retry and backoff; SDK retries would only hide an outage for longer.
            MaxErrorRetry = 1,
            // Checksums on reads are validated only when S3 sends them; S3-compatible servers often do not.
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (!string.IsNullOrEmpty(Region)) config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        if (!string.IsNullOrEmpty(ServiceUrl))
        {
            config.ServiceURL = ServiceUrl;
            config.ForcePathStyle = true;
            if (string.IsNullOrEmpty(Region)) config.AuthenticationRegion = "us-east-1";
        }
        return config;
    }

    /// <summary>A client on the default credential chain: IRSA's web identity token in EKS.</summary>
    public IAmazonS3 CreateClient() => new AmazonS3Client(CreateConfig());

    // Regions newer than this SDK build are still valid names.
    private static bool LooksLikeRegion(string region) =>
        System.Text.RegularExpressions.Regex.IsMatch(region, "^[a-z]{2}(-[a-z]+)+-[0-9]+$");
}
