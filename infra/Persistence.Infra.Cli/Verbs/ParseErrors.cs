using System.CommandLine;

namespace Persistence.Infra.Cli.Verbs;

/// <summary>
/// System.CommandLine's parse errors (3.x: ParseResult.Errors, UnmatchedTokens) as one usage message, unknown
/// options listed with the ones the verb knows.
/// </summary>
public static class ParseErrors
{
    public static string Describe(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var verb = command.Parents.Any() ? command.Name : "persistence-infra";
        var options = string.Join(", ", command.Options.Where(o => o.Name != "--help").Select(o => o.Name));
        var verbs = string.Join(", ", command.Subcommands.Select(c => c.Name));
        var messages = new List<string>();
        if (result.UnmatchedTokens is [var first, ..])
            messages.Add(first.StartsWith('-') ? $"{verb}: unknown option '{first}'; options: {options}"
                : command.Subcommands.Count > 0 ? $"unknown verb '{first}'; verbs: {verbs}"
                : $"{verb}: unexpected argument '{first}'; options: {options}");
        foreach (var message in result.Errors.Select(e => e.Message))
        {
            // Each unmatched token is reported again by the library; it was said once above.
            if (message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal)) continue;
            if (message == "Required command was not provided.")
            {
                if (result.UnmatchedTokens.Count == 0) messages.Add($"name a verb: {verbs}");
                continue;
            }
            messages.Add(message);
        }
        return string.Join("; ", messages.Distinct(StringComparer.Ordinal));
    }
}
