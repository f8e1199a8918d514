using System.Text.Json;
using System.Text.Json.Nodes;
using Persistence.Infra.Config;
using Persistence.Infra.Config.Loading;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>Values still holding the installation guide's placeholders, such as "&lt;your api server here&gt;".</summary>
internal static class PlaceholderRules
{
    public static IEnumerable<ConfigProblem> Check(StackConfig config)
    {
        var root = JsonSerializer.SerializeToNode(config, ConfigJson.Options)!;
        return Walk(root, StackConfigKeys.Namespace + ":").ToList();
    }

    private static IEnumerable<ConfigProblem> Walk(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                    foreach (var p in Walk(child, path.EndsWith(':') ? path + key : $"{path}.{key}")) yield return p;
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    foreach (var p in Walk(array[i], $"{path}[{i}]")) yield return p;
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && Names.IsPlaceholder(value.GetValue<string>()):
                yield return Error(path, $"placeholder value: fill in \"{value.GetValue<string>()}\"",
                    $"pulumi config set --path '{path}' <the real value>");
                break;
        }
    }
}
