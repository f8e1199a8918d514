namespace Persistence.Runtime.Bus;

/// <summary>
/// What one source reads, as one record with named parts, so no caller can pass a subscription where a topic is
/// meant. Each bus takes the parts it addresses and refuses an address without them, naming <see cref="Setting"/>:
/// Kafka reads <see cref="Topic"/> in <see cref="ConsumerGroup"/>; Pub/Sub reads <see cref="Subscription"/> (which
/// already names its topic); the in-process bus attaches <see cref="Subscription"/> to <see cref="Topic"/>.
/// </summary>
/// <param name="Setting">Where the address came from (a setting key, or a description), named in errors.</param>
public sealed record SourceAddress(string? Topic, string? Subscription, string? ConsumerGroup, string Setting)
{
    public const string WriterSubscriptionSetting = "Writer:Subscription";

    /// <summary>
    /// A configured writer. <c>Writer:Subscription</c> names what the writer consumes in its backend's own terms:
    /// the Pub/Sub subscription, or the Kafka topic (the stack renders it so); the Kafka consumer group is
    /// <c>Bus:Kafka:ConsumerGroup</c>, else the writer's name.
    /// </summary>
    public static SourceAddress ForWriter(string subscriptionSetting, string consumerGroup) =>
        new(subscriptionSetting, subscriptionSetting, consumerGroup, WriterSubscriptionSetting);

    /// <summary>A Kafka topic read in a consumer group.</summary>
    public static SourceAddress Kafka(string topic, string consumerGroup) => new(topic, null, consumerGroup, $"topic {topic}");

    /// <summary>A Pub/Sub subscription (id or full path).</summary>
    public static SourceAddress PubSub(string subscription) => new(null, subscription, null, $"subscription {subscription}");

    /// <summary>A subscription on a topic, for buses that create subscriptions on demand (in-process) or to say both.</summary>
    public static SourceAddress TopicSubscription(string topic, string subscription) =>
        new(topic, subscription, subscription, $"subscription {subscription} on {topic}");

    public string RequireTopic(string bus) => Require(Topic, "a topic", bus);
    public string RequireSubscription(string bus) => Require(Subscription, "a subscription", bus);
    public string RequireConsumerGroup(string bus) => Require(ConsumerGroup, "a consumer group", bus);

    private string Require(string? part, string what, string bus) =>
        string.IsNullOrWhiteSpace(part) ? throw new ArgumentException($"{bus} reads {what}, and the source address from {Setting} has none") : part;
}
