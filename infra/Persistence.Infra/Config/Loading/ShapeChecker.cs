using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Persistence.Contracts;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Config.Loading;

/// <summary>
/// Walks config values against the shape of the typed records before deserializing, so every unknown key and
/// wrong type is reported with its path (System.Text.Json alone stops at the first one, with a JSON path).
/// Returns a normalized copy: YAML scalars coerced to the target type, enum names canonical, secret leaves redacted.
/// </summary>
internal sealed class ShapeChecker(JsonSerializerOptions options)
{
    private readonly List<ConfigProblem> _problems = [];
    private readonly List<string> _secretPaths = [];

    public IReadOnlyList<ConfigProblem> Problems => _problems;
    public IReadOnlyList<string> SecretPaths => _secretPaths;

    public JsonNode? Check(JsonNode? node, Type type, string path)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            if (node is null) return null;
            type = underlying;
        }

        if (SecretLeaf.Is(node))
        {
            if (type == typeof(string))
            {
                _secretPaths.Add(path);
                return JsonValue.Create(SecretLeaf.Redacted);
            }
            return Fail(path, $"a secret value cannot be used where {Expected(type)} is expected",
                $"store {path} as plain config: pulumi config set --path '{path}' <value>");
        }

        if (node is null)
            return Fail(path, $"expected {Expected(type)}, got null", $"set a value or remove {path} to use its default");

        if (type == typeof(string)) return CheckString(node, path);
        if (type == typeof(int)) return CheckInteger(node, path);
        if (type == typeof(bool)) return CheckBoolean(node, path);
        if (type.IsEnum) return CheckEnum(node, type, path);

        var info = options.GetTypeInfo(type);
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable => CheckList(node, info.ElementType!, path),
            JsonTypeInfoKind.Object => CheckObject(node, info, path),
            _ => throw new NotSupportedException($"config type {type} has no shape check"),
        };
    }

    private JsonNode? CheckString(JsonNode node, string path) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => node.DeepClone(),
        // YAML writes `cpu: 1` and `version: 1.0` unquoted; keep the text as written.
        JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False =>
            JsonValue.Create(v.ToJsonString()),
        _ => Fail(path, $"expected a string, got {Describe(node)}", $"write {path} as a single value"),
    };

    private JsonNode? CheckInteger(JsonNode node, string path)
    {
        if (node is JsonValue v)
        {
            if (v.GetValueKind() == JsonValueKind.Number && int.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                return JsonValue.Create(n);
            if (v.GetValueKind() == JsonValueKind.String && int.TryParse(v.GetValue<string>(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n))
                return JsonValue.Create(n);
        }
        return Fail(path, $"expected an integer, got {Describe(node)}", $"write a whole number, e.g. pulumi config set --path '{path}' 3");
    }

    private JsonNode? CheckBoolean(JsonNode node, string path)
    {
        if (node is JsonValue v)
        {
            if (v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return node.DeepClone();
            if (v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>(), out var b)) return JsonValue.Create(b);
        }
        return Fail(path, $"expected true or false, got {Describe(node)}", $"pulumi config set --path '{path}' true");
    }

    private JsonNode? CheckEnum(JsonNode node, Type type, string path)
    {
        var names = Enum.GetNames(type);
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            var text = v.GetValue<string>().Trim();
            var match = names.FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
            if (match is not null) return JsonValue.Create(match);
            if (type == typeof(WriterType))
                return Fail(path, $"unknown writer type \"{Shorten(text)}\"; valid types: {string.Join(", ", names)}",
                    WriterTypeAliases.TryMap(text, out var mapped)
                        ? $"\"{text}\" is an installation-guide name: write {mapped} (persistence-infra import converts these)"
                        : "use one of the valid types");
        }
        var choices = type == typeof(WriterType) ? names : names.Select(n => n.ToLowerInvariant()).ToArray();
        return Fail(path, $"expected one of {string.Join(", ", choices)}, got {Describe(node)}", $"set {path} to one of them");
    }

    private JsonNode? CheckList(JsonNode node, Type elementType, string path)
    {
        if (node is not JsonArray array)
            return Fail(path, $"expected a list, got {Describe(node)}", $"write {path} as a YAML list (one '- item' per line)");
        var result = new JsonArray();
        for (var i = 0; i < array.Count; i++)
            result.Add(Check(array[i], elementType, $"{path}[{i}]"));
        return result;
    }

    private JsonNode? CheckObject(JsonNode node, JsonTypeInfo info, string path)
    {
        if (node is not JsonObject obj)
            return Fail(path, $"expected an object with keys {string.Join(", ", info.Properties.Select(p => p.Name))}, got {Describe(node)}",
                $"write {path} as a YAML mapping");

        var properties = info.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var result = new JsonObject();
        foreach (var (key, value) in obj)
        {
            var childPath = Child(path, key);
            if (!properties.TryGetValue(key, out var property))
            {
                Fail(childPath, $"unknown key; {Suggestions.DidYouMean(key, properties.Keys)}known keys: {string.Join(", ", properties.Keys)}",
                    $"rename or remove it: pulumi config rm --path '{childPath}'");
                continue;
            }
            if (value is null && property.IsSetNullable)
            {
                result[key] = null;
                continue;
            }
            result[key] = Check(value, property.PropertyType, childPath);
        }

        foreach (var missing in info.Properties.Where(p => p.IsRequired && !obj.ContainsKey(p.Name)))
            Fail(Child(path, missing.Name), $"required key is missing ({Expected(missing.PropertyType)})",
                $"add it, e.g. pulumi config set --path '{Child(path, missing.Name)}' <value>");
        return result;
    }

    private static string Child(string path, string key) => path.EndsWith(':') ? path + key : $"{path}.{key}";

    private JsonNode? Fail(string path, string message, string fix)
    {
        _problems.Add(ConfigProblem.Error(path, message, fix));
        return null;
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "a string";
        if (type == typeof(int)) return "an integer";
        if (type == typeof(bool)) return "true or false";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type));
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)) return "a list";
        return "an object";
    }

    /// <summary>A value as shown in errors; never used on secret leaves, which are handled before.</summary>
    private static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "a list",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"\"{Shorten(v.GetValue<string>())}\"",
        _ => Shorten(node.ToJsonString()),
    };

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
