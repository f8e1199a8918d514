using System.Text.Json;
using System.Text.Json.Nodes;
using Persistence.Infra.Config;
using Persistence.Infra.Config.Loading;
using Persistence.Infra.Validation;
using Pulumi;

namespace Persistence.PulumiHost.Hosting;

/// <summary>
/// Reads the <c>persistence:</c> namespace into the dictionary shape <see cref="StackConfigReader"/> takes, so the
/// host and the Pulumi-free CLI validate exactly the same values.
/// </summary>
public static class StackConfigValues
{
    public static IReadOnlyDictionary<string, JsonNode?> Read(Config config)
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);

        foreach (var key in StackConfigKeys.Typed)
        {
            // The engine hands every value over as a string: objects and lists as JSON text, scalars as their bare
            // text ("aws", not "\"aws\""). GetObject<JsonElement> would reject a bare scalar, so only structured
            // values go through the JSON parser.
            var raw = config.Get(key);
            if (raw is null) continue;
            values[key] = IsStructured(raw) ? ParseStructured(key, raw) : JsonValue.Create(raw);
        }

        foreach (var key in StackConfigKeys.Secrets)
        {
            // Only the fact that a secret is set crosses over; its value stays inside an Output (see StackSecrets).
            if (config.GetSecret(key) is not null) values[key] = SecretLeaf.Marker();
        }

        return values;
    }

    private static bool IsStructured(string raw) => raw.TrimStart() is ['{' or '[', ..];

    private static JsonNode? ParseStructured(string key, string raw)
    {
        try
        {
            return JsonNode.Parse(raw);
        }
        catch (JsonException e)
        {
            throw new StackConfigException([ConfigProblem.Error(StackConfigKeys.Qualified(key),
                $"the value is not valid structured config ({e.Message})",
                $"rewrite it as nested YAML under {StackConfigKeys.Qualified(key)} in Pulumi.<stack>.yaml")]);
        }
    }
}
