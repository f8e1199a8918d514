using System.Text.Json.Nodes;
using Persistence.Infra.Config;
using Persistence.Infra.Config.Loading;

namespace Persistence.Infra.Validation;

/// <summary>The typed config (null when it could not be read) and every problem, errors and warnings.</summary>
public sealed record ValidationReport(StackConfig? Config, IReadOnlyList<ConfigProblem> Problems)
{
    public IEnumerable<ConfigProblem> Errors => Problems.Where(p => p.IsError);
    public IEnumerable<ConfigProblem> Warnings => Problems.Where(p => !p.IsError);
    public bool HasErrors => Problems.Any(p => p.IsError);
}

/// <summary>Runs every check on stack config and returns all problems, never only the first.</summary>
public static class StackValidator
{
    /// <summary>Reads and validates namespace-stripped values (what the CLI and the Pulumi host both have).</summary>
    /// <param name="stack">The stack name, when known: fixes then name it (`pulumi config set ... -s dev`).</param>
    public static ValidationReport Run(IReadOnlyDictionary<string, JsonNode?> values, string? stack = null)
    {
        var read = StackConfigReader.Read(values);
        if (read.Config is null) return new(null, read.Problems);
        return new(read.Config, [.. read.Problems, .. Validate(read.Config, stack)]);
    }

    /// <summary>Loads Pulumi.&lt;stack&gt;.yaml and validates it.</summary>
    public static ValidationReport RunFile(string path)
    {
        var file = StackFile.Load(path);
        if (file.Problems.Any(p => p.IsError)) return new(null, file.Problems);
        var report = Run(file.Values, StackFile.StackName(path));
        return report with { Problems = [.. file.Problems, .. report.Problems] };
    }

    public static IReadOnlyList<ConfigProblem> Validate(StackConfig config, string? stack = null)
    {
        IEnumerable<ConfigProblem>[] checks =
        [
            CloudRules.Check(config),
            BusRules.Check(config),
            KafkaRules.Check(config),
            PubSubRules.Check(config),
            TopologyRules.Check(config),
            StoreRules.Check(config),
            OnlineStoreRules.Check(config),
            RedisTlsRules.Check(config),
            WriterRules.Check(config),
            ScalingRules.Check(config),
            KedaRules.Check(config),
            SecretRules.Check(config, stack),
        ];
        var placeholders = PlaceholderRules.Check(config).ToList();
        var placeholderPaths = placeholders.Select(p => p.Path).ToHashSet();

        // A placeholder fails every format check too; report only "fill it in" for that key.
        return [.. placeholders, .. checks.SelectMany(c => c).Where(p => !placeholderPaths.Contains(p.Path))];
    }
}
