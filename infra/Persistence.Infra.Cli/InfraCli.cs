using System.CommandLine;
using Persistence.Infra.Cli.Verbs;

namespace Persistence.Infra.Cli;

/// <summary>
/// persistence-infra's verbs on System.CommandLine: help per verb comes from the definitions in Verbs/.
/// Exit codes: 0 ok, 1 config errors, 2 usage (printed with the verb's help).
/// </summary>
public static class InfraCli
{
    public const int Ok = 0;
    public const int ConfigErrors = 1;
    public const int Usage = 2;

    /// <summary>Every verb: a new one is a file in Verbs/ (options, help, how its arguments reach its body) and one line here.</summary>
    private static RootCommand Definition() => new("persistence-infra: check, render and import the stack config without Pulumi or cloud credentials (exit 0 ok, warnings allowed; 1 config errors; 2 usage; 4 doctor found something that needs action)")
    {
        ValidateVerb.Create(),
        RenderVerb.Create(),
        ImportVerb.Create(),
        DoctorVerb.Create(),
    };

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        // `help [verb]` as before: that help, exit 0.
        if (args is ["help", .. var verb]) args = [.. verb, "--help"];
        // No @response files: a value that starts with '@' stays a value, as before.
        var result = Definition().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var command = result.CommandResult.Command;
        if (result.Errors.Count > 0) return PrintUsage(command, ParseErrors.Describe(result), stderr);
        try
        {
            return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            return PrintUsage(command, e.Message, stderr);
        }
    }

    private static int PrintUsage(Command command, string message, TextWriter stderr)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine();
        // The library's help for the verb, from the same definition (its HelpBuilder is internal in 3.x).
        string[] help = command is RootCommand ? ["--help"] : [command.Name, "--help"];
        Definition().Parse(help).Invoke(new InvocationConfiguration { Output = stderr });
        return Usage;
    }
}
