namespace Persistence.Infra.Cli.Commands;


/// <summary>"--name value" options and "--flag" switches of one verb; anything else is a usage error.</summary>
public sealed class CliOptions(IReadOnlyDictionary<string, string?> values)
{
    public static CliOptions Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> allowed, IReadOnlyCollection<string>? switches = null)
    {
        switches ??= [];
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (switches.Contains(name)) { values[name] = null; continue; }
            if (!allowed.Contains(name))
                throw new UsageException($"unknown option '{name}'; options: {string.Join(", ", allowed.Concat(switches))}");
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"option '{name}' needs a value");
            values[name] = args[++i];
        }
        return new CliOptions(values);
    }

    public string? Get(string name) => values.GetValueOrDefault(name);
    public bool Has(string name) => values.ContainsKey(name);
    public string Require(string name) => Get(name) ?? throw new UsageException($"missing {name}");
}
