using Persistence.Infra.Config;
using Persistence.Infra.Config.Loading;
using Persistence.Infra.Validation;
using Pulumi;

namespace Persistence.PulumiHost.Hosting;

/// <summary>
/// Runs the same checks as <c>persistence-infra validate</c>. Errors stop the program, so `pulumi preview` fails
/// with the whole list (each naming its key and fix); warnings go to the preview's diagnostics. A secret that is not
/// set is a warning for validate and preview alike (<see cref="StackSecrets"/> fills a preview with a masked
/// placeholder); only `pulumi up` stops on it, with the same key and `pulumi config set --secret` command.
/// </summary>
public static class ValidatedConfig
{
    public static StackConfig Load(Config config)
    {
        ValidationReport report;
        try
        {
            report = StackValidator.Run(StackConfigValues.Read(config), Deployment.Instance.StackName);
        }
        catch (StackConfigException e)
        {
            throw Stop(e.Problems);
        }

        foreach (var warning in report.Warnings) Log.Warn(warning.ToString());
        if (report.HasErrors || report.Config is null) throw Stop([.. report.Errors]);
        if (!Deployment.Instance.IsDryRun && RequiredSecrets.ForUp(report.Config, Deployment.Instance.StackName) is { Count: > 0 } missing)
            throw Stop(missing);
        return report.Config;
    }

    // RunException: Pulumi prints the message alone, without the program's stack trace.
    private static RunException Stop(IReadOnlyList<ConfigProblem> errors) =>
        new("Invalid persistence: stack config (the same keys as `persistence-infra validate --stack <name>` reports):"
            + Environment.NewLine + string.Join(Environment.NewLine, errors));
}
