using Persistence.Buses.PubSub;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Pipeline;
using Persistence.Writer.Cli;

namespace Persistence.Writer.Local;

/// <summary>
/// The bus `local` runs on: in-process by default, or a Pub/Sub emulator (`--bus pubsub`). Knows how to
/// declare the topology's topics and subscriptions and when the bus has gone quiet.
/// </summary>
public sealed class LocalBus : IAsyncDisposable
{
    private static readonly TimeSpan QuietFor = TimeSpan.FromSeconds(3);
    private readonly IDisposable? _owned;
    private (long Activity, DateTime Since) _lastActivity = (-1, DateTime.MinValue);

    private LocalBus(IMessageBus bus, string description, IDisposable? owned = null)
    {
        Bus = new CountingBus(bus);
        Description = description;
        _owned = owned;
    }

    public CountingBus Bus { get; }
    public string Description { get; }

    public static async Task<LocalBus> OpenAsync(LocalArguments args, CancellationToken cancellationToken)
    {
        switch (args.Bus)
        {
            case "inprocess":
                return new LocalBus(new InProcessBus(), "an in-process bus");
            case "pubsub":
                var emulator = args.PubSubEmulator ?? Environment.GetEnvironmentVariable("PUBSUB_EMULATOR_HOST");
                if (string.IsNullOrWhiteSpace(emulator))
                    throw new UsageException("local --bus pubsub needs --pubsub-emulator HOST:PORT (or PUBSUB_EMULATOR_HOST); start one with `gcloud beta emulators pubsub start --host-port=127.0.0.1:8085`");
                // A fresh project per run: an emulator's leftovers from an earlier run cannot leak into this one's reconciliation.
                var project = args.Project ?? $"local-{DateTime.UtcNow:yyyyMMddHHmmss}";
                var pubsub = new PubSubBus(new PubSubBusOptions { ProjectId = project, EmulatorHost = emulator });
                try
                {
                    foreach (var info in WriterCatalog.All)
                        await pubsub.EnsureAsync(LocalTopics.TopicOf(info.Reads), LocalTopics.SubscriptionOf(info.Type), cancellationToken: cancellationToken).ConfigureAwait(false);
                    await pubsub.EnsureAsync(LocalTopics.DeadLetter, DeadLetterInspector, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (Grpc.Core.RpcException e)
                {
                    pubsub.Dispose();
                    throw new UsageException($"the Pub/Sub emulator at {emulator} did not answer ({e.StatusCode}: {e.Status.Detail}); is it running?");
                }
                return new LocalBus(pubsub, $"the Pub/Sub emulator at {emulator} (project {project})", pubsub);
            case var other:
                throw new UsageException($"local: --bus '{other}' is not one of inprocess, pubsub");
        }
    }

    public const string DeadLetterInspector = "dlq-inspector";

    /// <summary>
    /// Nothing left to do: on the in-process bus every subscription's backlog is zero; on a bus that cannot
    /// tell its backlog, no writer has received or settled anything for a few seconds.
    /// </summary>
    public bool Quiescent(IReadOnlyList<IRunnableWriter> writers)
    {
        if (Bus.Inner is InProcessBus inProcess)
            return WriterCatalog.All.All(w => inProcess.EnsureSubscription(LocalTopics.TopicOf(w.Reads), LocalTopics.SubscriptionOf(w.Type)).Backlog == 0);
        var activity = writers.Sum(w => w.Stats.Received + w.Stats.Written + w.Stats.DeadLettered + w.Stats.Retries);
        if (activity != _lastActivity.Activity) _lastActivity = (activity, DateTime.UtcNow);
        return DateTime.UtcNow - _lastActivity.Since >= QuietFor;
    }

    public ValueTask DisposeAsync()
    {
        _owned?.Dispose();
        return ValueTask.CompletedTask;
    }
}
