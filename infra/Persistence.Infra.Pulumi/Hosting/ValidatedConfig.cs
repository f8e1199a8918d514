using Persistence.Infra.Config;
using Persistence.Infra.Config.Loading;
using Persistence.Infra.Validation;
using Pulumi;

namespace Persistence.PulumiHost.Hosting;

/// <summary>
/// Runs the same checks as <c>persistence-infra validate</c>. Errors stop the program, so `pulumi preview` fails
/// with the whole list (each naming its key and fix); warnings go to the preview's diagnostics.
/// </summary>
public static class ValidatedConfig
{
    public static StackConfig Load(Config config)
    {
        ValidationReport report;
        try
        {
            report = StackValidator.Run(StackConfigValues.Read(config));
        }
        catch (StackConfigException e)
        {
            throw Stop(e.Problems);
        }

        foreach (var warning in report.Warnings) Log.Warn(warning.ToString());
        if (report.HasErrors || report.Config is null) throw Stop([.. report.Errors]);
        return report.Config;
    }

    // RunException: Pulumi prints the message alone, without the program's stack trace.
    private static RunException Stop(IReadOnlyList<ConfigProblem> errors) =>
        new("Invalid persistence: stack config (the same errors as `persistence-infra validate --stack <name>`):"
            + Environment.NewLine + string.Join(Environment.NewLine, errors));
}
