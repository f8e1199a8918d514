using System.CommandLine;

namespace Persistence.Infra.Cli.Verbs;

/// <summary>The options every stack verb shares, described once.</summary>
public static class StackOptions
{
    public static Option<string> Stack() =>
        new("--stack") { Description = "the stack: Pulumi.<name>.yaml", HelpName = "name", Required = true };

    public static Option<string?> Dir() =>
        new("--dir") { Description = "where the stack files are (else the nearest directory upwards with Pulumi.yaml)", HelpName = "dir" };
}
