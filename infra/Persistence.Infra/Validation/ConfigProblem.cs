namespace Persistence.Infra.Validation;

public enum Severity { Error, Warning }

/// <summary>One finding about stack config: where (a `pulumi config --path` style key), what, and how to fix it.</summary>
public sealed record ConfigProblem(Severity Severity, string Path, string Message, string Fix)
{
    public static ConfigProblem Error(string path, string message, string fix) => new(Severity.Error, path, message, fix);
    public static ConfigProblem Warning(string path, string message, string fix) => new(Severity.Warning, path, message, fix);

    public bool IsError => Severity == Severity.Error;

    public override string ToString() =>
        $"{(IsError ? "error" : "warning")}: {Path}: {Message}{Environment.NewLine}    fix: {Fix}";
}
