using Persistence.Infra.Validation;

namespace Persistence.Infra.Cli.Commands;

/// <summary>validate --stack &lt;name&gt;: every check on Pulumi.&lt;name&gt;.yaml, without Pulumi or credentials.</summary>
public static class ValidateCommand
{
    public static readonly string[] Options = ["--stack", "--dir"];

    public static int Run(CliOptions options, TextWriter stdout, TextWriter stderr)
    {
        var stack = options.Require("--stack");
        var path = StackLocator.StackFilePath(stack, options.Get("--dir"));
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
