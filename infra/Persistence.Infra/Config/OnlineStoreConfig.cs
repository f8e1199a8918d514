using System.Text.Json.Serialization;

namespace Persistence.Infra.Config;

/// <summary>The online writer's store. Vectors stay in Redis whatever the kind (see docs/dynamodb-online-store.md).</summary>
public enum OnlineStoreKind { Redis, DynamoDb }

/// <summary>stores.online: <c>kind: redis | dynamodb</c>, and the DynamoDB table when the kind is dynamodb.</summary>
public sealed record OnlineStoreConfig
{
    public OnlineStoreKind Kind { get; init; } = OnlineStoreKind.Redis;

    [JsonPropertyName("dynamodb")]
    public DynamoDbTableConfig? DynamoDb { get; init; }
}

/// <summary>
/// The DynamoDB online table: created by the stack (on-demand capacity, hash key online_key, TTL on expires_at) under
/// <see cref="TableName"/>, or an <see cref="ExistingTable"/> the stack only references (it must have that layout).
/// </summary>
public sealed record DynamoDbTableConfig
{
    /// <summary>Name of the table the stack creates; default "&lt;namespace&gt;-online-features".</summary>
    public string? TableName { get; init; }

    /// <summary>Name of a table that already exists in the stack's account and region; nothing is created.</summary>
    public string? ExistingTable { get; init; }
}
