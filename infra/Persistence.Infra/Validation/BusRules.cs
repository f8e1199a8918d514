using Persistence.Contracts;
using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>Every writer finds the subscription and topics it needs; the DLQ exists and is not a bus topic; names are valid.</summary>
internal static class BusRules
{
    private const string DlqPath = $"{Paths.Bus}.deadLetterTopic";

    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        var bus = c.Bus;
        var kafka = bus.Backend == BusBackend.Kafka;

        if (string.IsNullOrWhiteSpace(bus.DeadLetterTopic))
            yield return Error(DlqPath,
                kafka ? "Kafka needs a dead-letter topic (the guide's kafka_dlq_topic): without it a message that can never be written blocks its partition"
                      : "Pub/Sub subscriptions need a dead-letter topic for messages that can never be written",
                $"pulumi config set --path '{DlqPath}' dlq-1");
        else
            foreach (var (path, id) in bus.ConfiguredTopics().Where(t => t.Id == bus.DeadLetterTopic))
                yield return Error(DlqPath, $"the dead-letter topic \"{bus.DeadLetterTopic}\" is also {path}; dead letters would be consumed again as bus messages",
                    "give the DLQ its own topic, e.g. dlq-1");

        foreach (var p in WriterBindings(c)) yield return p;
        foreach (var p in NameRules(bus)) yield return p;
    }

    private static IEnumerable<ConfigProblem> WriterBindings(StackConfig c)
    {
        var bus = c.Bus;
        var reported = new HashSet<string>();
        foreach (var (writer, i) in c.Writers.Select((w, i) => (w, i)))
        {
            var info = WriterCatalog.Get(writer.Type);
            var who = $"writer {Paths.Writer(i)} \"{writer.Name}\" ({writer.Type})";
            var readTopicPath = BusBindings.TopicPath(info.Reads);
            var subscriptionPath = BusBindings.SubscriptionPath(writer.Type);
            var subscription = bus.Subscriptions.Subscription(writer.Type);
            var readTopic = bus.Topics.Topic(info.Reads);

            if (bus.Backend == BusBackend.PubSub && string.IsNullOrWhiteSpace(subscription) && reported.Add(subscriptionPath))
                yield return Error(subscriptionPath, $"{who} consumes this subscription, but it is not set",
                    $"pulumi config set --path '{subscriptionPath}' <subscription id>");

            // Pub/Sub: the subscription attaches to this topic; Kafka: the writer consumes the topic itself.
            if (string.IsNullOrWhiteSpace(readTopic) && reported.Add(readTopicPath))
                yield return Error(readTopicPath, $"{who} reads the {info.Reads} topic, but it is not set",
                    $"pulumi config set --path '{readTopicPath}' <topic id>");

            if (bus.Backend == BusBackend.Kafka && !string.IsNullOrWhiteSpace(subscription) && !string.IsNullOrWhiteSpace(readTopic)
                && subscription != readTopic && reported.Add(subscriptionPath))
                yield return Error(subscriptionPath, $"on Kafka a writer consumes the topic itself, but this names \"{subscription}\" while {readTopicPath} is \"{readTopic}\"",
                    $"remove it (Kafka has no subscriptions) or set it to \"{readTopic}\"");

            if (info.Publishes is { } published && string.IsNullOrWhiteSpace(bus.Topics.Topic(published)))
            {
                var path = BusBindings.TopicPath(published);
                if (reported.Add(path))
                    yield return Error(path, $"{who} publishes to the {published} topic, but it is not set",
                        $"pulumi config set --path '{path}' <topic id>");
            }
        }

        // Two roles on one Pub/Sub subscription split its messages between them: each store would miss half.
        if (bus.Backend == BusBackend.PubSub)
        {
            var used = c.Writers.Select(w => w.Type).Distinct()
                .Select(t => (Key: BusBindings.SubscriptionKey(t), Id: bus.Subscriptions.Subscription(t)))
                .Where(s => !string.IsNullOrWhiteSpace(s.Id));
            foreach (var group in used.GroupBy(s => s.Id).Where(g => g.Count() > 1))
                yield return Error($"{Paths.Bus}.subscriptions.{group.Last().Key}",
                    $"subscription \"{group.Key}\" is shared by {string.Join(" and ", group.Select(s => s.Key))}; Pub/Sub would split the messages between them",
                    "give each role its own subscription id");
        }
    }

    private static IEnumerable<ConfigProblem> NameRules(BusConfig bus)
    {
        var names = bus.ConfiguredTopics().ToList();
        if (!string.IsNullOrWhiteSpace(bus.DeadLetterTopic)) names.Add((DlqPath, bus.DeadLetterTopic));
        if (bus.Backend == BusBackend.PubSub)
        {
            names.AddRange(typeof(BusSubscriptions).GetProperties()
                .Select(p => (Path: $"{Paths.Bus}.subscriptions.{char.ToLowerInvariant(p.Name[0])}{p.Name[1..]}", Id: p.GetValue(bus.Subscriptions) as string))
                .Where(s => s.Id is not null)!);
            foreach (var (path, id) in names.Where(n => !Names.IsPubSubName(n.Id)))
                yield return Error(path, $"\"{id}\" is not a valid Pub/Sub id: 3-255 characters, starting with a letter, letters, digits and - _ . ~ + %, not starting with goog",
                    "rename it, e.g. result-bus-1");
        }
        else
        {
            foreach (var (path, id) in names.Where(n => !Names.IsKafkaTopic(n.Id)))
                yield return Error(path, $"\"{id}\" is not a valid Kafka topic name (letters, digits, '.', '_', '-', at most 249)",
                    "rename it, e.g. result-bus-1");
        }
    }
}
