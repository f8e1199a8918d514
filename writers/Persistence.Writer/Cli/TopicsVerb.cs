using System.CommandLine;
using Persistence.Writer.Hosting;

namespace Persistence.Writer.Cli;

/// <summary>`topics ensure`: its options and help; the body is <see cref="TopicsCommand"/>.</summary>
public static class TopicsVerb
{
    public static Command Create()
    {
        var defaults = new TopicsEnsureArguments([], null);
        var topics = VerbOptions.Text("--topics", "the topics to create when missing, comma-separated", "a,b,c");
        var dlq = VerbOptions.Text("--dlq", "the dead-letter topic (kept longer, at most 3 partitions)", "TOPIC");
        var partitions = VerbOptions.Int("--partitions", defaults.Partitions, "partitions of a new topic");
        var replication = VerbOptions.Int("--replication", defaults.Replication, "replication factor of a new topic");
        var retention = VerbOptions.Int("--retention-hours", defaults.RetentionHours, "retention of a new topic");
        var dlqRetention = VerbOptions.Int("--dlq-retention-hours", defaults.DeadLetterRetentionHours, "retention of a new dead-letter topic");
        var ensure = new Command("ensure", "create missing Kafka topics and the DLQ, idempotently, with Bus__Kafka__* from the environment (exit 1 when the cluster is unreachable)")
        {
            topics, dlq, partitions, replication, retention, dlqRetention,
        };
        ensure.SetAction((result, cancel) => TopicsCommand.RunAsync(new TopicsEnsureArguments(
            (result.GetValue(topics) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            result.GetValue(dlq))
        {
            Partitions = result.GetValue(partitions),
            Replication = result.GetValue(replication),
            RetentionHours = result.GetValue(retention),
            DeadLetterRetentionHours = result.GetValue(dlqRetention),
        }, cancel));
        return new Command("topics", "Kafka topics of the stack") { ensure };
    }
}
