using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Persistence.Infra.Config.Loading;
using YamlDotNet.RepresentationModel;

namespace Persistence.Infra.Rendering;

/// <summary>
/// Checks an object against a CustomResourceDefinition's openAPIV3Schema the way the API server's structural
/// schema does: types, unknown fields (unless preserved), required fields, enums, minItems, minimum/maximum and
/// int-or-string. CEL rules (x-kubernetes-validations) are not evaluated; callers check the few they rely on.
/// </summary>
public sealed class CrdSchemaValidator
{
    private readonly Dictionary<string, JsonObject> _schemas = new(StringComparer.Ordinal);

    /// <summary>Loads every version of a CRD file; the key is "group/version/Kind".</summary>
    public static CrdSchemaValidator FromFiles(IEnumerable<string> crdFiles)
    {
        var validator = new CrdSchemaValidator();
        foreach (var file in crdFiles)
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file)) yaml.Load(reader);
            foreach (var document in yaml.Documents)
            {
                var crd = YamlJson.ToJson(document.RootNode)!.AsObject();
                var spec = crd["spec"]!;
                var group = spec["group"]!.GetValue<string>();
                var kind = spec["names"]!["kind"]!.GetValue<string>();
                foreach (var version in spec["versions"]!.AsArray())
                {
                    var schema = version!["schema"]?["openAPIV3Schema"]?.AsObject()
                        ?? throw new InvalidDataException($"{file}: version {version["name"]} has no openAPIV3Schema");
                    validator._schemas[$"{group}/{version["name"]!.GetValue<string>()}/{kind}"] = schema;
                }
            }
        }
        return validator;
    }

    public IReadOnlyCollection<string> Kinds => _schemas.Keys;

    /// <summary>Every violation as "path: problem"; empty when the object is valid.</summary>
    public IReadOnlyList<string> Validate(JsonNode instance)
    {
        var apiVersion = instance["apiVersion"]?.GetValue<string>() ?? "";
        var kind = instance["kind"]?.GetValue<string>() ?? "";
        if (!_schemas.TryGetValue($"{apiVersion}/{kind}", out var schema))
            return [$"no CRD schema loaded for {apiVersion} {kind}; loaded: {string.Join(", ", _schemas.Keys)}"];
        var errors = new List<string>();
        Check(instance, schema, "", errors);
        return errors;
    }

    private static void Check(JsonNode? value, JsonObject schema, string path, List<string> errors)
    {
        var at = path.Length == 0 ? "(root)" : path;
        if (value is null)
        {
            if (schema["nullable"]?.GetValue<bool>() != true) errors.Add($"{at}: null is not allowed");
            return;
        }
        if (schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true)
        {
            if (!IsInteger(value) && !IsString(value)) errors.Add($"{at}: must be an integer or a string");
            return;
        }

        switch (schema["type"]?.GetValue<string>())
        {
            case "object":
                if (value is not JsonObject obj) { errors.Add($"{at}: must be an object"); return; }
                CheckObject(obj, schema, path, errors);
                break;
            case "array":
                if (value is not JsonArray array) { errors.Add($"{at}: must be an array"); return; }
                if (schema["minItems"] is { } minItems && array.Count < minItems.GetValue<int>())
                    errors.Add($"{at}: needs at least {minItems} item(s)");
                if (schema["items"] is JsonObject items)
                    for (var i = 0; i < array.Count; i++) Check(array[i], items, $"{path}[{i}]", errors);
                break;
            case "string":
                if (!IsString(value)) { errors.Add($"{at}: must be a string"); return; }
                if (schema["enum"] is JsonArray allowed && !allowed.Any(a => a?.ToString() == value.GetValue<string>()))
                    errors.Add($"{at}: '{value}' is not one of {string.Join(", ", allowed)}");
                break;
            case "integer":
                if (!IsInteger(value)) { errors.Add($"{at}: must be an integer"); return; }
                CheckRange(value.GetValue<long>(), schema, at, errors);
                break;
            case "number":
                if (value.GetValueKind() != JsonValueKind.Number) errors.Add($"{at}: must be a number");
                break;
            case "boolean":
                if (value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)) errors.Add($"{at}: must be a boolean");
                break;
        }
    }

    private static void CheckObject(JsonObject obj, JsonObject schema, string path, List<string> errors)
    {
        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"] as JsonObject;
        var preserve = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        foreach (var (name, child) in obj)
        {
            var childPath = path.Length == 0 ? name : $"{path}.{name}";
            // metadata is checked by the API server's ObjectMeta, not the CRD schema.
            if (path.Length == 0 && name is "apiVersion" or "kind" or "metadata") continue;
            if (properties?[name] is JsonObject childSchema) Check(child, childSchema, childPath, errors);
            else if (additional is not null) Check(child, additional, childPath, errors);
            else if (!preserve) errors.Add($"{childPath}: unknown field (the CRD does not define it)");
        }
        if (schema["required"] is JsonArray required)
            foreach (var name in required.Select(r => r!.GetValue<string>()).Where(n => !obj.ContainsKey(n)))
                errors.Add($"{(path.Length == 0 ? name : $"{path}.{name}")}: required");
    }

    private static void CheckRange(long number, JsonObject schema, string at, List<string> errors)
    {
        if (schema["minimum"] is { } min && number < min.GetValue<long>()) errors.Add($"{at}: must be >= {min}");
        if (schema["maximum"] is { } max && number > max.GetValue<long>()) errors.Add($"{at}: must be <= {max}");
    }

    private static bool IsString(JsonNode value) => value.GetValueKind() == JsonValueKind.String;

    private static bool IsInteger(JsonNode value) =>
        value.GetValueKind() == JsonValueKind.Number && long.TryParse(value.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
}
