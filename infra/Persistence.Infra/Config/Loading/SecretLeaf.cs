using System.Text.Json.Nodes;

namespace Persistence.Infra.Config.Loading;

/// <summary>
/// Pulumi stores a secret config value as <c>{secure: v1:...}</c>. Such a leaf is an opaque reference: its
/// ciphertext is never read, copied into typed config, or printed.
/// </summary>
public static class SecretLeaf
{
    /// <summary>What a typed string field holds when its config value is secret.</summary>
    public const string Redacted = "[secret]";

    public static bool Is(JsonNode? node) =>
        node is JsonObject { Count: 1 } o && o.ContainsKey("secure");

    /// <summary>A leaf the Pulumi host can pass for a secret key it has (it never passes the value itself).</summary>
    public static JsonObject Marker() => new() { ["secure"] = "set" };
}
