using System.CommandLine;
using Persistence.Infra.Cli.Commands;

namespace Persistence.Infra.Cli.Verbs;

/// <summary>`render`: its options and help; the body is <see cref="RenderCommand"/>.</summary>
public static class RenderVerb
{
    public static Command Create()
    {
        var stack = StackOptions.Stack();
        var output = new Option<string>("--out") { Description = "where the manifests go: <dir>/kubernetes/*.yaml (one file per object) and <dir>/cloud-resources.md", HelpName = "dir", Required = true };
        var dir = StackOptions.Dir();
        var command = new Command("render", "validates, then writes every Kubernetes object and a summary of the cloud resources, exactly as the Pulumi program applies them")
        {
            stack, output, dir,
        };
        command.SetAction(result => RenderCommand.Run(
            new RenderArguments(result.GetRequiredValue(stack), result.GetRequiredValue(output), result.GetValue(dir)),
            result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }
}

public sealed record RenderArguments(string Stack, string Out, string? Dir);
