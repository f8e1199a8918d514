using Persistence.Infra.Cli.Verbs;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Cli.Commands;

/// <summary>validate --stack &lt;name&gt;: every check on Pulumi.&lt;name&gt;.yaml, without Pulumi or credentials.</summary>
public static class ValidateCommand
{
    public static int Run(ValidateArguments options, TextWriter stdout, TextWriter stderr)
    {
        var stack = options.Stack;
        var path = StackLocator.StackFilePath(stack, options.Dir);
        if (!File.Exists(path))
        {
            var directory = Path.GetDirectoryName(path)!;
            throw new UsageException($"{path} does not exist; stacks here: {string.Join(", ", StackLocator.ExistingStacks(directory).DefaultIfEmpty("none"))}");
        }

        var report = StackValidator.RunFile(path);
        var subject = Path.GetFileName(path);
        if (report.Config is { } config)
            stdout.WriteLine($"{subject}: {config.Writers.Count} writers, {config.Bus.Backend.ToString().ToUpperInvariant()} on {config.Cloud.ToString().ToLowerInvariant()}, namespace {config.Namespace}");
        ProblemPrinter.Print(report.Problems, subject, report.HasErrors ? stderr : stdout);
        return report.HasErrors ? InfraCli.ConfigErrors : InfraCli.Ok;
    }
}
