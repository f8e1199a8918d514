using System.Text.Json.Nodes;

namespace Persistence.Infra.Tests.Keda;

/// <summary>
/// A CRD's openAPIV3Schema as the JSON Schema (2020-12) the API server effectively applies to a structural schema
/// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema):
/// <list type="bullet">
/// <item>unknown fields are pruned, i.e. refused here: <c>additionalProperties: false</c> on every object, unless
/// it has <c>x-kubernetes-preserve-unknown-fields</c> or an additionalProperties schema;</item>
/// <item><c>nullable: true</c> adds "null" to the type; otherwise null fails the type;</item>
/// <item><c>x-kubernetes-int-or-string</c> without its anyOf gets <c>anyOf: [integer, string]</c>;</item>
/// <item>apiVersion, kind and metadata at the root are the API server's (ObjectMeta), allowed as they are;</item>
/// <item>the other x-kubernetes-* extensions (list types, CEL validations) and <c>format</c> (int32, date-time, which
/// the API server does not enforce for these) are dropped.</item>
/// </list>
/// </summary>
public static class StructuralSchema
{
    public static JsonObject ToJsonSchema(JsonObject openApi)
    {
        var schema = Convert(openApi);
        var properties = schema["properties"] as JsonObject ?? [];
        schema["properties"] = properties;
        foreach (var name in new[] { "apiVersion", "kind", "metadata" }) properties[name] = true;
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        return schema;
    }

    private static JsonObject Convert(JsonObject openApi)
    {
        var schema = new JsonObject();
        foreach (var (keyword, value) in openApi)
        {
            switch (keyword)
            {
                case "properties" when value is JsonObject properties:
                    schema["properties"] = new JsonObject(properties.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Convert(p.Value!.AsObject()))));
                    break;
                case "items" or "additionalProperties" when value is JsonObject child:
                    schema[keyword] = Convert(child);
                    break;
                case "anyOf" or "allOf" or "oneOf" when value is JsonArray branches:
                    schema[keyword] = new JsonArray(branches.Select(b => (JsonNode?)Convert(b!.AsObject())).ToArray());
                    break;
                case "not" when value is JsonObject child:
                    schema["not"] = Convert(child);
                    break;
                case "nullable" or "format" or "description" or "example" or "externalDocs":
                    break;
                case var extension when extension.StartsWith("x-kubernetes-", StringComparison.Ordinal):
                    break;
                default:
                    schema[keyword] = value?.DeepClone();
                    break;
            }
        }

        var intOrString = openApi["x-kubernetes-int-or-string"]?.GetValue<bool>() == true;
        if (intOrString && schema["anyOf"] is null)
            schema["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" });
        var preserve = openApi["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        if (schema["type"]?.ToString() == "object" && schema["additionalProperties"] is null && !preserve)
            schema["additionalProperties"] = false;
        if (openApi["nullable"]?.GetValue<bool>() == true)
        {
            if (schema["type"] is JsonValue type) schema["type"] = new JsonArray(type.GetValue<string>(), "null");
            else if (schema["anyOf"] is JsonArray anyOf) anyOf.Add(new JsonObject { ["type"] = "null" });
        }
        return schema;
    }
}
