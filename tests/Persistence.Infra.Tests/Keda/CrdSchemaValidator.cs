using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Pointer;
using Json.Schema;
using Persistence.Infra.Config.Loading;
using YamlDotNet.RepresentationModel;

namespace Persistence.Infra.Tests.Keda;

/// <summary>
/// Checks an object against a CustomResourceDefinition's openAPIV3Schema with JsonSchema.Net, after turning the
/// structural schema into the JSON Schema the API server effectively applies (<see cref="StructuralSchema"/>):
/// types, unknown fields (unless preserved), required fields, enums, minItems, minimum/maximum, patterns and
/// int-or-string. CEL rules (x-kubernetes-validations) are not evaluated; callers check the few they rely on.
/// Problems read "path: problem", e.g. "spec.triggers[0].type: required".
/// </summary>
public sealed class CrdSchemaValidator
{
    private static readonly EvaluationOptions Hierarchical = new() { OutputFormat = OutputFormat.Hierarchical };
    private readonly Dictionary<string, (JsonSchema Schema, JsonObject Source)> _schemas = new(StringComparer.Ordinal);

    /// <summary>Loads every version of a CRD file; the key is "group/version/Kind".</summary>
    public static CrdSchemaValidator FromFiles(IEnumerable<string> crdFiles)
    {
        var validator = new CrdSchemaValidator();
        // A registry of its own: the global one refuses a second schema under the same URI (each test builds one).
        var build = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
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
                    var openApi = version!["schema"]?["openAPIV3Schema"]?.AsObject()
                        ?? throw new InvalidDataException($"{file}: version {version["name"]} has no openAPIV3Schema");
                    var key = $"{group}/{version["name"]!.GetValue<string>()}/{kind}";
                    var source = StructuralSchema.ToJsonSchema(openApi);
                    // A base URI per kind, so schemas of different CRDs never resolve into each other.
                    var schema = JsonSchema.Build(JsonSerializer.SerializeToElement(source), build, new Uri($"https://crd.test/{key}"));
                    validator._schemas[key] = (schema, source);
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
        if (!_schemas.TryGetValue($"{apiVersion}/{kind}", out var entry))
            return [$"no CRD schema loaded for {apiVersion} {kind}; loaded: {string.Join(", ", _schemas.Keys)}"];
        var results = entry.Schema.Evaluate(JsonSerializer.SerializeToElement(instance), Hierarchical);
        var problems = new List<string>();
        if (!results.IsValid) Collect(results, instance, entry.Source, problems);
        return problems.Distinct().ToList();
    }

    /// <summary>Walks the failing nodes; an anyOf (int-or-string) is reported once, not once per branch.</summary>
    private static void Collect(EvaluationResults node, JsonNode instance, JsonObject schema, List<string> problems)
    {
        if (node.Errors is { Count: > 0 } errors)
            foreach (var (keyword, message) in errors)
                problems.AddRange(Describe(keyword, message, node, instance, schema));
        var failing = (node.Details ?? []).Where(d => !d.IsValid).ToList();
        // The branches of an anyOf are children of the node that holds it (".../anyOf/0", ".../anyOf/1"); it failed
        // when every branch did.
        var branches = failing.Where(d => Parent(d.EvaluationPath) == "anyOf").ToList();
        if (branches.Count > 0 && SchemaAt(node.EvaluationPath, schema) is JsonObject holder && holder["anyOf"] is JsonArray all && all.Count == branches.Count)
            problems.AddRange(Describe("anyOf", "", node, instance, schema));
        foreach (var child in failing.Except(branches))
        {
            // additionalProperties: false fails the property itself, with no keyword of its own to name.
            if (Last(child.EvaluationPath) == "additionalProperties" && SchemaAt(child.EvaluationPath, schema) is JsonValue)
            {
                problems.Add($"{Path(child.InstanceLocation, instance)}: unknown field (the CRD does not define it)");
                continue;
            }
            Collect(child, instance, schema, problems);
        }
    }

    private static IEnumerable<string> Describe(string keyword, string message, EvaluationResults node, JsonNode instance, JsonObject schema)
    {
        var at = Path(node.InstanceLocation, instance);
        var value = Resolve(node.InstanceLocation, instance);
        var subschema = SchemaAt(node.EvaluationPath, schema);
        switch (keyword)
        {
            case "required":
                var present = value as JsonObject;
                foreach (var name in subschema?["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
                    if (present is null || !present.ContainsKey(name))
                        yield return $"{Join(at, name)}: required";
                break;
            case "type" when value is null:
                yield return $"{at}: null is not allowed";
                break;
            case "type":
                yield return $"{at}: must be {Article(subschema?["type"])}";
                break;
            case "anyOf" when BranchTypes(subschema) is { } kinds:
                yield return $"{at}: must be {string.Join(" or ", kinds)}";
                break;
            case "enum":
                yield return $"{at}: '{value?.ToString()}' is not one of {string.Join(", ", subschema?["enum"]?.AsArray() ?? [])}";
                break;
            case "minItems":
                yield return $"{at}: needs at least {subschema?["minItems"]} item(s)";
                break;
            case "minimum":
                yield return $"{at}: must be >= {subschema?["minimum"]}";
                break;
            case "maximum":
                yield return $"{at}: must be <= {subschema?["maximum"]}";
                break;
            case "false" or "":
                yield return $"{at}: unknown field (the CRD does not define it)";
                break;
            default:
                yield return $"{at}: {message}";
                break;
        }
    }

    /// <summary>The types of an anyOf whose branches are plain types (int-or-string); null otherwise.</summary>
    private static List<string>? BranchTypes(JsonNode? subschema)
    {
        if (subschema is not JsonObject { } schema || schema["anyOf"] is not JsonArray branches) return null;
        var types = branches.Select(b => b is JsonObject branch && branch["type"] is { } type ? Article(type) : null).ToList();
        return types.Any(t => t is null) ? null : types.Select(t => t!).ToList();
    }

    private static string Article(JsonNode? type) => type switch
    {
        JsonArray types => string.Join(" or ", types.Select(t => Article(t)).Where(t => t != "null")),
        _ when type?.GetValue<string>() is "integer" => "an integer",
        _ when type?.GetValue<string>() is "object" => "an object",
        _ when type?.GetValue<string>() is "array" => "an array",
        _ when type?.GetValue<string>() is "null" => "null",
        _ => $"a {type}",
    };

    /// <summary>The node a JSON pointer names (into the instance, or into the schema along an evaluation path).</summary>
    private static JsonNode? Resolve(JsonPointer pointer, JsonNode root)
    {
        JsonNode? node = root;
        for (var i = 0; i < pointer.SegmentCount && node is not null; i++)
        {
            var segment = pointer[i].ToString();
            node = node switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, out var index) && index < a.Count => a[index],
                _ => null,
            };
        }
        return node;
    }

    /// <summary>"spec.triggers[0].metadata": dots between names, brackets for array indices, "(root)" for the object itself.</summary>
    private static string Path(JsonPointer pointer, JsonNode root)
    {
        var path = "";
        JsonNode? node = root;
        for (var i = 0; i < pointer.SegmentCount; i++)
        {
            var segment = pointer[i].ToString();
            if (node is JsonArray array && int.TryParse(segment, out var index))
            {
                path += $"[{index}]";
                node = index < array.Count ? array[index] : null;
            }
            else
            {
                path = Join(path, segment);
                node = (node as JsonObject)?[segment];
            }
        }
        return path.Length == 0 ? "(root)" : path;
    }

    /// <summary>
    /// The subschema at an evaluation path. JsonSchema.Net 8 repeats "items" in the paths below it
    /// (".../triggers/items/items"), so a segment the schema does not have is passed over.
    /// </summary>
    private static JsonNode? SchemaAt(JsonPointer path, JsonObject schema)
    {
        JsonNode? node = schema;
        for (var i = 0; i < path.SegmentCount && node is not null; i++)
        {
            var segment = path[i].ToString();
            node = node switch
            {
                JsonObject o when o.ContainsKey(segment) => o[segment],
                JsonObject o => o,
                JsonArray a when int.TryParse(segment, out var index) && index < a.Count => a[index],
                _ => null,
            };
        }
        return node;
    }

    private static string Last(JsonPointer path) => Segment(path, 1);
    private static string Parent(JsonPointer path) => Segment(path, 2);

    private static string Segment(JsonPointer pointer, int fromEnd) =>
        pointer.SegmentCount >= fromEnd ? pointer[pointer.SegmentCount - fromEnd].ToString() : "";

    private static string Join(string path, string name) => path is "" or "(root)" ? name : $"{path}.{name}";
}
