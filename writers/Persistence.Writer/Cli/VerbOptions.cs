using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Persistence.Writer.Cli;

/// <summary>
/// Option and parse-error helpers shared by the verbs, so every verb says "--queries must be a number" and
/// "unknown option --speed; options are ..." the same way (System.CommandLine 3.x API: Option&lt;T&gt; with
/// CustomParser / DefaultValueFactory, ParseResult.Errors and UnmatchedTokens).
/// </summary>
public static class VerbOptions
{
    /// <summary>
    /// How every verb parses: no @response files, so a value that starts with '@' stays a value, as it did
    /// before System.CommandLine.
    /// </summary>
    public static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    public static Option<string?> Text(string name, string description, string helpName) =>
        new(name) { Description = description, HelpName = helpName };

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    public static Option<int> Int(string name, int fallback, string description) =>
        Number(name, fallback, description, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    public static Option<long> Long(string name, long fallback, string description) =>
        Number(name, fallback, description, s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    public static Option<double> Double(string name, double fallback, string description, string helpName = "N") =>
        Number(name, fallback, description, s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture), helpName);

    /// <summary>A number with the default shown in help and a parse error that names the option and the bad text.</summary>
    private static Option<T> Number<T>(string name, T fallback, string description, Func<string, T> parse, string helpName = "N") => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => fallback,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            try { return parse(text); }
            catch (FormatException) { result.AddError($"{name} must be a number (got '{text}')"); }
            catch (OverflowException) { result.AddError($"{name} is out of range (got '{text}')"); }
            return fallback;
        },
    };

    /// <summary>Accepts only the listed values, with the same message the verb body gives.</summary>
    public static Option<string?> OneOf(this Option<string?> option, string verb, params string[] values)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && !values.Contains(value, StringComparer.Ordinal))
                result.AddError($"{verb}: {option.Name} '{value}' is not one of {string.Join(", ", values)}");
        });
        option.CompletionSources.Add(values);
        return option;
    }

    /// <summary>
    /// A verb that still parses its own arguments (with <see cref="CommandArgs"/>): its tokens reach the body in order
    /// and its usage text is its help, so it joins with one line in WriterCli until it gets a definition of its own.
    /// </summary>
    public static Command SelfParsing(string name, string usage, Func<string[], CancellationToken, Task<int>> body)
    {
        var command = new Command(name, usage) { TreatUnmatchedTokensAsErrors = false };
        command.SetAction((result, cancel) => body([.. result.UnmatchedTokens], cancel));
        return command;
    }

    /// <summary>The parse errors as one usage message: unknown options listed with the ones the verb knows.</summary>
    public static string Describe(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var verb = VerbPath(command);
        var known = string.Join(", ", command.Options.Where(o => !o.Hidden && o.Name != "--help").Select(o => o.Name));
        var messages = new List<string>();
        var unmatched = result.UnmatchedTokens;
        var commands = string.Join(", ", command.Subcommands.Select(c => c.Name));
        if (unmatched.Count > 0)
        {
            var first = unmatched[0];
            messages.Add(first.StartsWith('-')
                ? $"{verb}: unknown option {first}; options are {known}"
                : command.Subcommands.Count > 0
                    ? $"{verb}: unknown command '{first}'; commands are {commands}"
                    : $"{verb}: unexpected argument '{first}'; options are {known}");
        }
        // The library reports every unmatched token again as "Unrecognized command or argument"; said once above.
        foreach (var message in result.Errors.Select(e => e.Message))
        {
            if (message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal)) continue;
            // Said once, with the commands there are, instead of the library's "Required command was not provided."
            if (command.Subcommands.Count > 0 && message == "Required command was not provided.")
            {
                if (unmatched.Count == 0) messages.Add($"{verb}: name a command: {commands}");
                continue;
            }
            messages.Add(message);
        }
        return string.Join("; ", messages.Distinct(StringComparer.Ordinal));
    }

    /// <summary>"topics ensure" for a subcommand, the root's own name for the root.</summary>
    public static string VerbPath(Command command) => string.Join(' ', PathOf(command).DefaultIfEmpty(command.Name));

    /// <summary>The verb's words below the root: ["topics", "ensure"].</summary>
    public static IReadOnlyList<string> PathOf(Command command) => Ancestry(command).Reverse().Skip(1).Select(c => c.Name).ToList();

    private static IEnumerable<Command> Ancestry(Command command)
    {
        for (Command? current = command; current is not null; current = current.Parents.OfType<Command>().FirstOrDefault())
            yield return current;
    }
}
