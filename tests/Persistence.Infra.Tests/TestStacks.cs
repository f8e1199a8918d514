using System.Text.Json.Nodes;
using Persistence.Infra.Config.Loading;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Tests;

/// <summary>The repository's real stack files, and edits of their values by config path, as `pulumi config set --path` does.</summary>
internal static class TestStacks
{
    public static string RepoRoot { get; } = FindRoot();

    public static string StackPath(string stack) => Path.Combine(RepoRoot, StackFile.FileName(stack));

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>A fresh, mutable copy of a stack's persistence: values.</summary>
    public static Dictionary<string, JsonNode?> Values(string stack)
    {
        var file = StackFile.Load(StackPath(stack));
        Assert.Empty(file.Problems);
        return file.Values.ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone());
    }

    public static ValidationReport Validate(string stack, Action<Dictionary<string, JsonNode?>> edit)
    {
        var values = Values(stack);
        edit(values);
        return StackValidator.Run(values);
    }

    /// <summary>Sets a leaf by path without the namespace, e.g. "writers[2].limit.memory"; null value removes it.</summary>
    public static void Set(this Dictionary<string, JsonNode?> values, string path, JsonNode? value, bool remove = false)
    {
        var parts = Parse(path);
        var (topKey, topIndex) = parts[0];
        if (parts.Count == 1 && topIndex is null)
        {
            if (remove) values.Remove(topKey); else values[topKey] = value;
            return;
        }
        if (parts.Count == 1)
        {
            values[topKey]!.AsArray()[topIndex!.Value] = value;
            return;
        }
        JsonNode node = topIndex is { } ti ? values[topKey]![ti]! : values[topKey]!;
        foreach (var (key, index) in parts.Skip(1).SkipLast(1))
            node = index is { } i ? node[key]![i]! : node[key]!;
        var (lastKey, lastIndex) = parts[^1];
        if (lastIndex is { } li) node[lastKey]!.AsArray()[li] = value;
        else if (remove) node.AsObject().Remove(lastKey);
        else node[lastKey] = value;
    }

    public static void RemovePath(this Dictionary<string, JsonNode?> values, string path) => values.Set(path, null, remove: true);

    public static ConfigProblem Single(this ValidationReport report, Severity severity, string path)
    {
        var matches = report.Problems.Where(p => p.Severity == severity && p.Path == path).ToList();
        Assert.True(matches.Count == 1,
            $"expected one {severity} at {path}; got:{Environment.NewLine}{string.Join(Environment.NewLine, report.Problems)}");
        return matches[0];
    }

    private static List<(string Key, int? Index)> Parse(string path) =>
        path.Split('.').Select(segment =>
        {
            var bracket = segment.IndexOf('[');
            return bracket < 0 ? (segment, (int?)null) : (segment[..bracket], int.Parse(segment[(bracket + 1)..^1]));
        }).ToList();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml"))) return dir.FullName;
        throw new InvalidOperationException("Pulumi.yaml not found above " + AppContext.BaseDirectory);
    }
}
