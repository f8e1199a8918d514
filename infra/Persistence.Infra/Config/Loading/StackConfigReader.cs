using System.Text.Json;
using System.Text.Json.Nodes;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Config.Loading;

/// <summary>The typed config, or null when reading failed, and every problem found while reading.</summary>
public sealed record StackConfigReadResult(StackConfig? Config, IReadOnlyList<ConfigProblem> Problems);

/// <summary>Namespace-stripped config values (key "writers") to <see cref="StackConfig"/>, reporting every problem.</summary>
public static class StackConfigReader
{
    public static StackConfigReadResult Read(IReadOnlyDictionary<string, JsonNode?> values)
    {
        var problems = new List<ConfigProblem>();
        var secretKeys = new HashSet<string>(StringComparer.Ordinal);
        var typed = new JsonObject();

        foreach (var (key, value) in values)
        {
            var path = StackConfigKeys.Qualified(key);
            if (StackConfigKeys.Secrets.Contains(key))
            {
                if (SecretLeaf.Is(value)) secretKeys.Add(key);
                else problems.Add(ConfigProblem.Error(path, "a secret is stored in plain text",
                    $"remove it and run: pulumi config set --secret {path} <value>"));
            }
            else if (StackConfigKeys.Typed.Contains(key))
            {
                typed[key] = value?.DeepClone();
            }
            else
            {
                problems.Add(ConfigProblem.Error(path,
                    $"unknown key; {Suggestions.DidYouMean(key, StackConfigKeys.All)}known keys: {string.Join(", ", StackConfigKeys.All)}",
                    $"rename or remove it: pulumi config rm {path}"));
            }
        }

        var checker = new ShapeChecker(ConfigJson.Options);
        var normalized = checker.Check(typed, typeof(StackConfig), StackConfigKeys.Namespace + ":");
        problems.AddRange(checker.Problems);
        if (problems.Any(p => p.IsError) || normalized is null)
            return new(null, problems);

        var config = normalized.Deserialize<StackConfig>(ConfigJson.Options)!
            with { SecretKeysSet = secretKeys, SecretPaths = checker.SecretPaths };
        return new(config, problems);
    }
}
