using Persistence.Infra.Validation;

namespace Persistence.Infra.Cli;

/// <summary>Prints problems errors first, each with its key path and fix, then a one-line count.</summary>
public static class ProblemPrinter
{
    public static void Print(IReadOnlyList<ConfigProblem> problems, string subject, TextWriter writer)
    {
        foreach (var p in problems.OrderBy(p => p.Severity))
            writer.WriteLine(p);
        var errors = problems.Count(p => p.IsError);
        writer.WriteLine($"{subject}: {errors} error{(errors == 1 ? "" : "s")}, {problems.Count - errors} warning{(problems.Count - errors == 1 ? "" : "s")}");
    }
}
