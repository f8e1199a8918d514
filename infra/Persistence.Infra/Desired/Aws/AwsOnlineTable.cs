using Persistence.Contracts;
using Persistence.Infra.Config;

namespace Persistence.Infra.Desired.Aws;

/// <summary>
/// The DynamoDB online table (stores.online.kind dynamodb). <see cref="Create"/>: the stack creates it on-demand
/// (PAY_PER_REQUEST) with the hash key and TTL the store writes; false: an existing table, only referenced (its ARN
/// scopes the IRSA policy, its name goes to the writer).
/// </summary>
public sealed record AwsDynamoDbTable(
    bool Create,
    string Name,
    string Arn,
    string BillingMode,
    string HashKey,
    string HashKeyType,
    string TtlAttribute,
    bool TtlEnabled,
    IReadOnlyList<string> WriterActions);

public static class AwsOnlineTable
{
    /// <summary>The only call the store makes (a conditional PutItem); nothing to read, update, delete or describe.</summary>
    public static readonly IReadOnlyList<string> WriterActions = ["dynamodb:PutItem"];

    public static AwsDynamoDbTable? For(StackConfig c)
    {
        var online = c.Stores.Online;
        if (c.Cloud != CloudProvider.Aws || online.Kind != OnlineStoreKind.DynamoDb) return null;
        var existing = online.DynamoDb?.ExistingTable;
        var name = existing ?? online.DynamoDb?.TableName ?? $"{c.Namespace}-online-features";
        return new AwsDynamoDbTable(
            Create: existing is null,
            name,
            $"arn:aws:dynamodb:{AwsNames.Region(c)}:{AwsNames.AccountId(c)}:table/{name}",
            "PAY_PER_REQUEST",
            OnlineTableLayout.Key,
            "S",
            OnlineTableLayout.ExpiresAt,
            TtlEnabled: true,
            WriterActions);
    }
}
