using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>Pub/Sub settings: project, dead-letter delivery attempts and ack deadline within Pub/Sub's limits.</summary>
internal static class PubSubRules
{
    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        if (c.Bus.Backend != BusBackend.PubSub)
        {
            if (c.Bus.PubSub is not null)
                yield return Warning(Paths.PubSub, "ignored: bus backend is KAFKA", $"remove it: pulumi config rm --path '{Paths.PubSub}'");
            yield break;
        }
        if (c.Bus.PubSub is not { } pubsub)
        {
            yield return Error(Paths.PubSub, "bus backend PUBSUB needs the Pub/Sub settings", $"set {Paths.PubSub}.projectId and {Paths.PubSub}.projectNumber");
            yield break;
        }
        if (!Names.IsGcpProjectId(pubsub.ProjectId))
            yield return Error($"{Paths.PubSub}.projectId", $"\"{pubsub.ProjectId}\" is not a GCP project id (6-30 lower-case letters, digits, '-')", "use the project id, not its name");
        if (pubsub.ProjectNumber.Length == 0 || !pubsub.ProjectNumber.All(char.IsAsciiDigit))
            yield return Error($"{Paths.PubSub}.projectNumber", $"\"{pubsub.ProjectNumber}\" is not a project number; the Pub/Sub service agent service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com needs rights on the DLQ",
                "gcloud projects describe <project> --format='value(projectNumber)'");
        if (pubsub.MaxDeliveryAttempts is < 5 or > 100)
            yield return Error($"{Paths.PubSub}.maxDeliveryAttempts", $"Pub/Sub accepts 5 to 100 delivery attempts, got {pubsub.MaxDeliveryAttempts}", "use 10 (the default) to 100");
        else if (pubsub.MaxDeliveryAttempts < 10)
            yield return Warning($"{Paths.PubSub}.maxDeliveryAttempts", $"{pubsub.MaxDeliveryAttempts} attempts: every crash or restart of a writer costs the messages it held one attempt, so a few in a row can dead-letter valid results (writers dead-letter what they cannot write themselves)",
                "use 10 (the default) or more");
        if (pubsub.AckDeadlineSeconds is < 10 or > 600)
            yield return Error($"{Paths.PubSub}.ackDeadlineSeconds", $"Pub/Sub accepts an ack deadline of 10 to 600 seconds, got {pubsub.AckDeadlineSeconds}", "use 60 (writers extend leases while they work)");
    }
}
