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
        var report = StackValidator.Run(StackConfigValues.Read(config));

        foreach (var warning in report.Warnings) Log.Warn(warning.ToString());
        if (report.HasErrors || report.Config is null) throw new StackConfigException([.. report.Errors]);

        return report.Config;
    }
}
