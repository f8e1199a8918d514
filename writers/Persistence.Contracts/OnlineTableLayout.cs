namespace Persistence.Contracts;

/// <summary>
/// The DynamoDB online table's attribute names, shared by the store that writes items and the stack that creates the
/// table (hash key and TTL attribute), so the two cannot drift apart.
/// </summary>
public static class OnlineTableLayout
{
    /// <summary>Partition (hash) key, type S: the online key, "online:{feature fqn}:{entity key}".</summary>
    public const string Key = "online_key";

    /// <summary>Type B: the serialized persistence.v1.Value (a null is an explicit null_value: a known null, not a miss).</summary>
    public const string Value = "value";

    /// <summary>Type N: observed-at in Unix milliseconds; an item is replaced only by a strictly newer observation.</summary>
    public const string ObservedAt = "observed_at";

    /// <summary>Type N: Unix seconds of observed-at + max_staleness; the table's TTL attribute.</summary>
    public const string ExpiresAt = "expires_at";
}
