using Persistence.Infra.Cli.Commands;

namespace Persistence.Infra.Cli;

/// <summary>Verb dispatch. Exit codes: 0 ok, 1 config errors, 2 usage.</summary>
public static class InfraCli
{
    public const int Ok = 0;
    public const int ConfigErrors = 1;
    public const int Usage = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            return args switch
            {
                ["validate", .. var rest] => ValidateCommand.Run(CliOptions.Parse(rest, ValidateCommand.Options), stdout, stderr),
                ["render", .. var rest] => RenderCommand.Run(CliOptions.Parse(rest, RenderCommand.Options), stdout, stderr),
                ["doctor", .. var rest] => DoctorCommand.Run(CliOptions.Parse(rest, DoctorCommand.Options, DoctorCommand.Switches), stdout, stderr),
                ["import", .. var rest] => ImportCommand.Run(CliOptions.Parse(rest, ImportCommand.Options, ImportCommand.Switches), stdout, stderr),
                ["help" or "--help" or "-h"] => PrintUsage(stdout, Ok),
                _ => PrintUsage(stderr, Usage),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return PrintUsage(stderr, Usage);
        }
    }

    private static int PrintUsage(TextWriter writer, int code)
    {
        writer.WriteLine("""
            usage: persistence-infra <verb> [options]

              validate --stack <name> [--dir <dir>]
                  Checks Pulumi.<name>.yaml (found in --dir, else the nearest directory with Pulumi.yaml).
              render --stack <name> --out <dir> [--dir <dir>]
                  Validates, then writes <dir>/kubernetes/*.yaml (one file per object) and <dir>/cloud-resources.md.
              import --spec <file.json> [--stack <name>] [--out <file>] [--dir <dir>] [--force]
                  Converts an installation-guide JSON spec to stack config: to --out, to Pulumi.<name>.yaml
                  with --stack, else to standard output.
              doctor --stack <name> [--context <ctx>] [--kubeconfig <file>] [--json] [--sample-seconds 10]
                     [--bootstrap-servers h:p] [--pubsub-emulator h:p] [--redis h:p] [--postgres "<npgsql>"]
                  Triage of the deployed stack: each writer's Deployment, ScaledObject, pods (OOMKilled,
                  CrashLoopBackOff, ContainerCreating, Pending), queue lag and its trend, stores, offline pair,
                  DLQ; ends with the debugging guide's symptoms. Exit 4 when something needs action.

            exit codes: 0 ok (warnings allowed), 1 config errors, 2 usage, 4 doctor found something that needs action
            """);
        return code;
    }
}
