using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Persistence.Infra.Config;

namespace Persistence.Infra.Import;

/// <summary>
/// Writes config values as a Pulumi.&lt;stack&gt;.yaml <c>config:</c> block, in the layout Pulumi itself keeps:
/// namespaced top-level keys, plain nested YAML below them.
/// </summary>
public static partial class StackYamlWriter
{
    public static string Write(IReadOnlyDictionary<string, JsonNode?> values, IEnumerable<string>? headerLines = null)
    {
        var yaml = new StringBuilder();
        foreach (var line in headerLines ?? []) yaml.Append("# ").AppendLine(line);
        yaml.AppendLine("config:");
        foreach (var key in StackConfigKeys.All.Where(values.ContainsKey).Concat(values.Keys.Except(StackConfigKeys.All)))
            WriteEntry(yaml, 1, StackConfigKeys.Qualified(key), values[key]);
        return yaml.ToString();
    }

    private static void WriteEntry(StringBuilder yaml, int depth, string key, JsonNode? value)
    {
        var indent = new string(' ', depth * 2);
        switch (value)
        {
            case JsonObject { Count: > 0 } obj:
                yaml.Append(indent).Append(key).AppendLine(":");
                foreach (var (childKey, child) in obj) WriteEntry(yaml, depth + 1, childKey, child);
                break;
            case JsonArray { Count: > 0 } array:
                yaml.Append(indent).Append(key).AppendLine(":");
                foreach (var item in array) WriteItem(yaml, depth + 1, item);
                break;
            default:
                yaml.Append(indent).Append(key).Append(": ").AppendLine(Scalar(value));
                break;
        }
    }

    private static void WriteItem(StringBuilder yaml, int depth, JsonNode? item)
    {
        var indent = new string(' ', depth * 2);
        if (item is JsonObject { Count: > 0 } obj)
        {
            var first = true;
            foreach (var (key, child) in obj)
            {
                // "- key: value" for the first entry, then the rest aligned under it.
                var entry = new StringBuilder();
                WriteEntry(entry, depth + 1, key, child);
                var text = entry.ToString();
                yaml.Append(first ? indent + "- " + text.TrimStart() : text);
                first = false;
            }
        }
        else yaml.Append(indent).Append("- ").AppendLine(Scalar(item));
    }

    private static string Scalar(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Quote(v.GetValue<string>()),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        _ => value.ToJsonString(),
    };

    /// <summary>Plain when YAML reads it back as the same string; double-quoted otherwise.</summary>
    private static string Quote(string text)
    {
        var readsBackAsString = Plain().IsMatch(text) && !LooksTyped(text);
        if (readsBackAsString) return text;
        var escaped = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
        return $"\"{escaped}\"";
    }

    private static bool LooksTyped(string text) =>
        text is "" or "~" or "null" or "Null" or "NULL" or "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
        || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    [GeneratedRegex(@"^[A-Za-z0-9_/.@+][A-Za-z0-9_/.@:+\-]*$")]
    private static partial Regex Plain();
}
