using System.Globalization;

namespace Persistence.Writer.Cli;

/// <summary>
/// "--name value" options of a verb that parses its own arguments (see <see cref="VerbOptions.SelfParsing"/>),
/// checked against the options the verb knows. A verb defined with System.CommandLine options does not need it.
/// </summary>
public sealed class CommandArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private CommandArgs() { }

    public static CommandArgs Parse(IReadOnlyList<string> args, string verb, IReadOnlyCollection<string> known, IReadOnlyCollection<string>? flags = null)
    {
        var parsed = new CommandArgs();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"{verb}: unexpected argument '{arg}'; options are {Describe(known, flags)}");
            var name = arg[2..];
            var eq = name.IndexOf('=');
            string? inline = null;
            if (eq > 0) { inline = name[(eq + 1)..]; name = name[..eq]; }
            if (flags?.Contains(name) == true) { parsed._values[name] = inline ?? "true"; continue; }
            if (!known.Contains(name))
                throw new UsageException($"{verb}: unknown option --{name}; options are {Describe(known, flags)}");
            if (inline is null && i + 1 >= args.Count)
                throw new UsageException($"{verb}: --{name} needs a value");
            parsed._values[name] = inline ?? args[++i];
        }
        return parsed;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);
    public bool Flag(string name) => _values.TryGetValue(name, out var v) && v != "false";

    public int Int(string name, int fallback) => Number(name, fallback, s => int.Parse(s, CultureInfo.InvariantCulture));
    public double Double(string name, double fallback) => Number(name, fallback, s => double.Parse(s, CultureInfo.InvariantCulture));

    private T Number<T>(string name, T fallback, Func<string, T> parse)
    {
        if (!_values.TryGetValue(name, out var text)) return fallback;
        try { return parse(text); }
        catch (FormatException) { throw new UsageException($"--{name} must be a number (got '{text}')"); }
        catch (OverflowException) { throw new UsageException($"--{name} is out of range (got '{text}')"); }
    }

    private static string Describe(IReadOnlyCollection<string> known, IReadOnlyCollection<string>? flags) =>
        string.Join(", ", known.Concat(flags ?? []).Select(k => "--" + k));
}
