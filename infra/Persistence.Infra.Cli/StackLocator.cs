using System.Text.RegularExpressions;
using Persistence.Infra.Config.Loading;

namespace Persistence.Infra.Cli;

/// <summary>Finds stack files: in --dir, else in the nearest directory (upwards) holding Pulumi.yaml, else here.</summary>
public static partial class StackLocator
{
    public static string Directory(string? dir)
    {
        if (dir is not null)
            return System.IO.Directory.Exists(dir) ? Path.GetFullPath(dir) : throw new UsageException($"--dir {dir} does not exist");
        for (var current = new DirectoryInfo(Environment.CurrentDirectory); current is not null; current = current.Parent)
            if (File.Exists(Path.Combine(current.FullName, "Pulumi.yaml"))) return current.FullName;
        return Environment.CurrentDirectory;
    }

    public static string StackFilePath(string stack, string? dir)
    {
        if (!StackName().IsMatch(stack))
            throw new UsageException($"'{stack}' is not a stack name (letters, digits, '-', '_', '.')");
        return Path.Combine(Directory(dir), StackFile.FileName(stack));
    }

    public static IEnumerable<string> ExistingStacks(string directory) =>
        System.IO.Directory.EnumerateFiles(directory, "Pulumi.*.yaml")
            .Select(f => Path.GetFileName(f)["Pulumi.".Length..^".yaml".Length])
            .Order();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]+$")]
    private static partial Regex StackName();
}
