using System.Text.RegularExpressions;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Persistence.Contracts;

namespace Persistence.Stores.DynamoDb;

/// <summary>
/// Bound from Stores:DynamoDb. Setting <see cref="Table"/> puts online values in DynamoDB. Credentials come from the
/// default AWS chain (IRSA's web identity in EKS); none are configured here, so none can be logged.
/// </summary>
public sealed partial class DynamoDbStoreOptions
{
    /// <summary>Table name (the stack renders it); its hash key is <see cref="OnlineTableLayout.Key"/>.</summary>
    public string Table { get; set; } = "";

    /// <summary>A DynamoDB-compatible endpoint (dynalite, DynamoDB Local), e.g. http://127.0.0.1:4567; empty means AWS.</summary>
    public string ServiceUrl { get; set; } = "";

    /// <summary>e.g. us-east-1. Empty: the SDK's own resolution (AWS_REGION, profile, instance metadata).</summary>
    public string Region { get; set; } = "";

    /// <summary>Conditional writes in flight at once for one batch; DynamoDB has no multi-item conditional put.</summary>
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>Per request; a timed-out write fails the batch, which the writer loop retries with backoff.</summary>
    public int RequestTimeoutSeconds { get; set; } = 10;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Table);

    /// <summary>Settings that cannot work, by key; checked at start so the writer exits 3 instead of failing every write.</summary>
    public IEnumerable<string> Problems()
    {
        if (!IsConfigured)
        {
            if (!string.IsNullOrWhiteSpace(ServiceUrl) || !string.IsNullOrWhiteSpace(Region))
                yield return $"{SettingNames.Stores.DynamoDbTable} is required when {SettingNames.Stores.DynamoDbServiceUrl} or {SettingNames.Stores.DynamoDbRegion} is set: name the online table (stack: stores.online.dynamodb)";
            yield break;
        }
        if (!TableName().IsMatch(Table))
            yield return $"{SettingNames.Stores.DynamoDbTable} '{Table}' is not a DynamoDB table name (3-255 of a-z, A-Z, 0-9, '_', '-', '.')";
        if (!string.IsNullOrEmpty(ServiceUrl) && !(Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            yield return $"{SettingNames.Stores.DynamoDbServiceUrl} '{ServiceUrl}' must be an absolute http(s) URL, e.g. http://127.0.0.1:4567";
        if (!string.IsNullOrEmpty(Region) && !RegionName().IsMatch(Region))
            yield return $"{SettingNames.Stores.DynamoDbRegion} '{Region}' is not an AWS region name, e.g. us-east-1";
        if (MaxConcurrency is < 1 or > 1024)
            yield return $"{SettingNames.Stores.DynamoDbMaxConcurrency} must be between 1 and 1024 (was {MaxConcurrency})";
        if (RequestTimeoutSeconds < 1)
            yield return $"{SettingNames.Stores.DynamoDbRequestTimeoutSeconds} must be at least 1 (was {RequestTimeoutSeconds})";
    }

    public AmazonDynamoDBConfig CreateConfig()
    {
        var config = new AmazonDynamoDBConfig
        {
            Timeout = TimeSpan.FromSeconds(RequestTimeoutSeconds),
            // The writer loop owns retry and backoff; SDK retries would only hide throttling or an outage for longer.
            MaxErrorRetry = 1,
            // One client serves every parallel write of the batch.
            MaxConnectionsPerServer = Math.Max(MaxConcurrency, 2),
        };
        if (!string.IsNullOrEmpty(Region)) config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        if (!string.IsNullOrEmpty(ServiceUrl))
        {
            config.ServiceURL = ServiceUrl;
            if (string.IsNullOrEmpty(Region)) config.AuthenticationRegion = "us-east-1";
        }
        return config;
    }

    /// <summary>
    /// A client on the default credential chain. An emulator endpoint accepts any signature, so without AWS_ACCESS_KEY_ID
    /// in the environment it gets fixed placeholder keys instead of a chain that would find nothing.
    /// </summary>
    public IAmazonDynamoDB CreateClient() =>
        !string.IsNullOrEmpty(ServiceUrl) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"))
            ? new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), CreateConfig())
            : new AmazonDynamoDBClient(CreateConfig());

    [GeneratedRegex("^[a-zA-Z0-9_.-]{3,255}$")]
    private static partial Regex TableName();

    // Regions newer than this SDK build are still valid names.
    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionName();
}
