using Grpc.Core;
using Grpc.Net.Client;
using Persistence.Buses.PubSub.V1;
using Persistence.Runtime.Bus;

namespace Persistence.Buses.PubSub;

/// <summary>
/// Google Pub/Sub over gRPC: topics and subscriptions are separate; each writer reads its own subscription.
/// Against the emulator the channel is plaintext; on GKE each call carries a Workload Identity token
/// (<see cref="GoogleCallCredentials"/>).
/// </summary>
public sealed class PubSubBus : IMessageBus, IDisposable
{
    private readonly GrpcChannel _channel;

    public PubSubBus(PubSubBusOptions options)
    {
        var problems = options.Problems().ToList();
        if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems));
        Options = options;
        _channel = options.Emulator is { } emulator
            ? GrpcChannel.ForAddress($"http://{emulator}")
            : GrpcChannel.ForAddress(options.Endpoint, new GrpcChannelOptions
            {
                Credentials = ChannelCredentials.Create(new SslCredentials(), GoogleCallCredentials.ApplicationDefault().ToCallCredentials()),
            });
        Publisher = new Publisher.PublisherClient(_channel);
        Subscriber = new Subscriber.SubscriberClient(_channel);
    }

    public PubSubBusOptions Options { get; }
    public Publisher.PublisherClient Publisher { get; }
    public Subscriber.SubscriberClient Subscriber { get; }
    public string Address => Options.Emulator ?? Options.Endpoint;

    /// <summary>Pub/Sub reads the address's subscription, which already names its topic; topic and group mean nothing here.</summary>
    public IMessageSource OpenSource(SourceAddress address) =>
        new PubSubSource(this, Options.SubscriptionPath(address.RequireSubscription("Pub/Sub")), address.Setting);

    public IMessagePublisher OpenPublisher(string topic) => new PubSubPublisher(this, Options.TopicPath(topic));

    /// <summary>Creates a topic, and a subscription on it, when missing (tests, local runs, `topics ensure` on the emulator).</summary>
    public async Task EnsureAsync(string topic, string? subscription = null, string? deadLetterTopic = null, CancellationToken cancellationToken = default)
    {
        await IgnoreExisting(Publisher.CreateTopicAsync(new Topic { Name = Options.TopicPath(topic) }, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        if (subscription is null) return;
        var request = new Subscription { Name = Options.SubscriptionPath(subscription), Topic = Options.TopicPath(topic), AckDeadlineSeconds = Options.AckDeadlineSeconds };
        if (deadLetterTopic is not null)
            request.DeadLetterPolicy = new DeadLetterPolicy { DeadLetterTopic = Options.TopicPath(deadLetterTopic), MaxDeliveryAttempts = 10 };
        await IgnoreExisting(Subscriber.CreateSubscriptionAsync(request, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
    }

    /// <summary>Creates a subscription exactly as given (names may be ids or full paths), when missing.</summary>
    public Task EnsureSubscriptionAsync(Subscription subscription, CancellationToken cancellationToken = default)
    {
        var request = subscription.Clone();
        request.Name = Options.SubscriptionPath(request.Name);
        request.Topic = Options.TopicPath(request.Topic);
        if (request.DeadLetterPolicy is { } policy) policy.DeadLetterTopic = Options.TopicPath(policy.DeadLetterTopic);
        return IgnoreExisting(Subscriber.CreateSubscriptionAsync(request, cancellationToken: cancellationToken).ResponseAsync);
    }

    private static async Task IgnoreExisting(Task call)
    {
        try { await call.ConfigureAwait(false); }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists) { }
    }

    public void Dispose() => _channel.Dispose();
}
