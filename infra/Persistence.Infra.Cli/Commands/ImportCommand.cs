using Persistence.Infra.Cli.Verbs;
using Persistence.Infra.Import;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Cli.Commands;

/// <summary>
/// import --spec &lt;file.json&gt;: converts an installation-guide JSON spec to stack config, then validates the
/// result so the placeholders left to fill in are listed. Exit 1 only when the spec cannot be converted.
/// </summary>
public static class ImportCommand
{
    public static int Run(ImportArguments options, TextWriter stdout, TextWriter stderr)
    {
        var specPath = options.Spec;
        if (!File.Exists(specPath)) throw new UsageException($"--spec {specPath} does not exist");
        var stack = options.Stack;
        var outPath = options.Out ?? (stack is null ? null : StackLocator.StackFilePath(stack, options.Dir));
        if (outPath is not null && File.Exists(outPath) && !options.Force)
            throw new UsageException($"{outPath} exists; pass --force to overwrite it");

        var result = GuideSpecImporter.Convert(File.ReadAllText(specPath), Path.GetFileName(specPath));
        if (result.Values is not { } values)
        {
            ProblemPrinter.Print(result.Problems, $"import of {specPath}", stderr);
            return InfraCli.ConfigErrors;
        }

        var stackName = stack ?? "<stack>";
        var yaml = StackYamlWriter.Write(values,
        [
            $"Imported from {Path.GetFileName(specPath)} by persistence-infra import. Keys: docs/stack-config.md.",
            $"Fill in the <...> placeholders, then: persistence-infra validate --stack {stackName}",
            $"Secret values go in with: pulumi config set --secret persistence:<key> <value> -s {stackName}",
            .. result.Notes,
        ]);
        if (outPath is null) stdout.Write(yaml);
        else
        {
            File.WriteAllText(outPath, yaml);
            stdout.WriteLine($"wrote {outPath}");
        }

        var report = StackValidator.Run(values);
        ProblemPrinter.Print([.. result.Problems, .. report.Problems], "imported config (to fix before pulumi up)", stderr);
        return InfraCli.Ok;
    }
}
