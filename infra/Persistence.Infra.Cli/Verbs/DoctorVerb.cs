using System.CommandLine;
using Persistence.Infra.Cli.Commands;

namespace Persistence.Infra.Cli.Verbs;

/// <summary>`doctor`: parses its own options (<see cref="DoctorCommand.Options"/>), so its help is the usage text below.</summary>
public static class DoctorVerb
{
    private const string Description = """
        triage of the deployed stack: each writer's Deployment, ScaledObject, pods (OOMKilled, CrashLoopBackOff,
        ContainerCreating, Pending), queue lag and its trend, stores, offline pair, DLQ; ends with the debugging guide's
        symptoms (exit 4 when something needs action). Options: --stack NAME [--dir DIR] [--context CTX]
        [--kubeconfig FILE] [--json] [--sample-seconds 10] [--bootstrap-servers H:P] [--pubsub-emulator H:P]
        [--redis H:P] [--postgres "<npgsql>"] [--monitoring-endpoint URL] [--creating-minutes 3]
        """;

    public static Command Create()
    {
        var command = new Command("doctor", Description) { TreatUnmatchedTokensAsErrors = false };
        command.SetAction(result => DoctorCommand.Run(
            CliOptions.Parse([.. result.UnmatchedTokens], DoctorCommand.Options, DoctorCommand.Switches),
            result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }
}
