using System.Text.Json.Nodes;
using Persistence.Infra.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Persistence.Infra.Config.Loading;

/// <summary>
/// A Pulumi.&lt;stack&gt;.yaml file: the <c>persistence:</c> values with the namespace stripped, plus the keys of
/// other namespaces (provider settings such as aws:region), which this tool leaves alone.
/// </summary>
public sealed record StackFile(
    string Path,
    IReadOnlyDictionary<string, JsonNode?> Values,
    IReadOnlyDictionary<string, JsonNode?> OtherNamespaces,
    IReadOnlyList<ConfigProblem> Problems)
{
    public static string FileName(string stack) => $"Pulumi.{stack}.yaml";

    /// <summary>"dir/Pulumi.dev.yaml" -> "dev"; null for a file not named like a stack file.</summary>
    public static string? StackName(string path) =>
        System.IO.Path.GetFileName(path) is var name && name.StartsWith("Pulumi.", StringComparison.Ordinal) && name.EndsWith(".yaml", StringComparison.Ordinal)
            && name.Length > "Pulumi..yaml".Length
            ? name["Pulumi.".Length..^".yaml".Length]
            : null;

    public static StackFile Load(string path) => Parse(File.ReadAllText(path), path);

    public static StackFile Parse(string yaml, string path = "Pulumi.stack.yaml")
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var others = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var problems = new List<ConfigProblem>();

        YamlMappingNode? config;
        try
        {
            config = ReadConfigSection(yaml, path, problems);
        }
        catch (YamlException e)
        {
            problems.Add(ConfigProblem.Error($"{path}:{e.Start.Line}:{e.Start.Column}", $"not valid YAML: {e.InnerException?.Message ?? e.Message}",
                "fix the YAML syntax at that line (indentation, a missing ':' or an unclosed quote)"));
            return new(path, values, others, problems);
        }

        foreach (var entry in config?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
        {
            var key = ((YamlScalarNode)entry.Key).Value ?? "";
            var valueNode = entry.Value;
            var separator = key.IndexOf(':');
            if (separator < 0)
            {
                problems.Add(ConfigProblem.Error(key, "config key has no namespace",
                    $"write it as {StackConfigKeys.Qualified(key)} (or another provider's namespace, e.g. aws:{key})"));
                continue;
            }
            var target = key[..separator] == StackConfigKeys.Namespace ? values : others;
            target[key[(separator + 1)..]] = YamlJson.ToJson(valueNode);
        }
        return new(path, values, others, problems);
    }

    private static YamlMappingNode? ReadConfigSection(string yaml, string path, List<ConfigProblem> problems)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0) return null;
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            problems.Add(ConfigProblem.Error(path, "a stack file is a YAML mapping with a 'config:' key", "start the file with 'config:'"));
            return null;
        }
        if (!root.Children.TryGetValue(new YamlScalarNode("config"), out var section)) return null;
        if (section is YamlMappingNode mapping)
        {
            foreach (var key in mapping.Children.Keys.Where(k => k is not YamlScalarNode))
                problems.Add(ConfigProblem.Error($"{path}:{key.Start.Line}", "config keys must be plain strings", "write keys as persistence:<name>"));
            return new YamlMappingNode(mapping.Children.Where(c => c.Key is YamlScalarNode));
        }
        problems.Add(ConfigProblem.Error($"{path}:{section.Start.Line}", "'config:' must be a mapping of keys to values", "indent the keys under 'config:'"));
        return null;
    }
}
