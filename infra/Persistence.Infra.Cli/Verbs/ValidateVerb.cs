using System.CommandLine;
using Persistence.Infra.Cli.Commands;

namespace Persistence.Infra.Cli.Verbs;

/// <summary>`validate`: its options and help; the body is <see cref="ValidateCommand"/>.</summary>
public static class ValidateVerb
{
    public static Command Create()
    {
        var stack = StackOptions.Stack();
        var dir = StackOptions.Dir();
        var command = new Command("validate", "checks Pulumi.<stack>.yaml: every problem as its key path and a fix; warnings do not fail (exit 0 ok, 1 config errors, 2 usage)")
        {
            stack, dir,
        };
        command.SetAction(result => ValidateCommand.Run(
            new ValidateArguments(result.GetRequiredValue(stack), result.GetValue(dir)),
            result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }
}

public sealed record ValidateArguments(string Stack, string? Dir);
