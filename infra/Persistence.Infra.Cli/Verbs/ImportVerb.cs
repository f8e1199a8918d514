using System.CommandLine;
using Persistence.Infra.Cli.Commands;

namespace Persistence.Infra.Cli.Verbs;

/// <summary>`import`: its options and help; the body is <see cref="ImportCommand"/>.</summary>
public static class ImportVerb
{
    public static Command Create()
    {
        var spec = new Option<string>("--spec") { Description = "an installation-guide JSON spec", HelpName = "file.json", Required = true };
        var stack = new Option<string?>("--stack") { Description = "write Pulumi.<name>.yaml (in --dir)", HelpName = "name" };
        var output = new Option<string?>("--out") { Description = "write this file instead (else standard output)", HelpName = "file" };
        var dir = StackOptions.Dir();
        var force = new Option<bool>("--force") { Description = "overwrite an existing stack file" };
        var command = new Command("import", "converts an installation-guide JSON spec to stack config, then lists what is left to fill in")
        {
            spec, stack, output, dir, force,
        };
        command.SetAction(result => ImportCommand.Run(
            new ImportArguments(result.GetRequiredValue(spec), result.GetValue(stack), result.GetValue(output), result.GetValue(dir), result.GetValue(force)),
            result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }
}

public sealed record ImportArguments(string Spec, string? Stack, string? Out, string? Dir, bool Force);
