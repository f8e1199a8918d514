using Confluent.Kafka;
using Grpc.Core;
using Npgsql;
using Persistence.Buses.Kafka;
using Persistence.Buses.PubSub;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Writer.Hosting.Settings;
using StackExchange.Redis;

namespace Persistence.Writer.Hosting;

/// <summary>One thing the writer must reach before it is ready: the setting that names it, and how to ask it.</summary>
/// <param name="Endpoint">Where it is, as shown to people: never a password.</param>
/// <param name="Retry">False for a check whose failure cannot pass by waiting (a file lock is a configuration problem at once).</param>
public sealed record StartupCheck(string Setting, string What, string Endpoint, Func<CancellationToken, Task> Probe, bool Retry = true);

/// <summary>The checks a writer of one type needs: its bus (unless `local` owns it) and the stores its type writes to.</summary>
public static class StartupChecks
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public static IReadOnlyList<StartupCheck> For(WriterSettings writer, BusSettings busSettings, IMessageBus bus, SelectedStores stores)
    {
        var type = writer.Info.Type;
        var checks = new List<StartupCheck>();
        if (stores.NeedsEmbedded(type))
            checks.Add(new(SettingNames.Stores.EmbeddedPath, "the embedded DuckDB file", Path.GetFullPath(stores.EmbeddedPath),
                _ => { GC.KeepAlive(stores.Embedded); return Task.CompletedTask; }, Retry: false));
        if (stores.UsesRedis && type is WriterType.ONLINE_WRITER or WriterType.ONLINE_VECTOR_STORE_WRITER)
            checks.Add(new(SettingNames.Stores.RedisConnection, "Redis", RedisEndpoint(stores.Settings.Redis.Connection),
                async _ => await stores.Redis.GetDatabase().PingAsync().ConfigureAwait(false)));
        if (stores.UsesPostgres && !stores.NeedsEmbedded(type) && type is not (WriterType.ONLINE_WRITER or WriterType.ONLINE_VECTOR_STORE_WRITER or WriterType.METRICS_WRITER))
            checks.Add(new(SettingNames.Stores.PostgresConnection, "PostgreSQL", PostgresEndpoint(stores.Settings.Postgres.Connection), async ct =>
            {
                await using var connection = await stores.Postgres.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(ct).ConfigureAwait(false);
            }));
        switch (bus)
        {
            case KafkaBus when !busSettings.Shared:
                checks.Add(new(SettingNames.Bus.KafkaBootstrapServers, "Kafka", busSettings.Kafka.BootstrapServers, _ => KafkaMetadataAsync(busSettings.Kafka)));
                break;
            case PubSubBus pubsub when !busSettings.Shared:
                checks.Add(new(busSettings.PubSub.Emulator is null ? SettingNames.Bus.PubSubProjectId : SettingNames.Bus.PubSubEmulatorHost, "Pub/Sub", pubsub.Address,
                    ct => PubSubAnswersAsync(pubsub, writer.Loop.Subscription, ct)));
                break;
        }
        return checks;
    }

    /// <summary>
    /// Runs every check until it passes or <paramref name="timeout"/> is over; then throws one
    /// <see cref="ConfigurationProblemException"/> naming each setting and endpoint never reached.
    /// </summary>
    public static async Task WaitAsync(IReadOnlyList<StartupCheck> checks, TimeSpan timeout, Action<StartupCheck, Exception> onRetry, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        // A check that cannot pass by waiting (a locked file) ends the wait for all: the writer exits at once.
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var failures = await Task.WhenAll(checks.Select(async c =>
        {
            try
            {
                var failure = await WaitAsync(c, deadline, timeout, onRetry, giveUp.Token).ConfigureAwait(false);
                if (failure is not null && !c.Retry) await giveUp.CancelAsync().ConfigureAwait(false);
                return failure;
            }
            catch (OperationCanceledException) when (giveUp.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        })).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var problems = failures.OfType<string>().ToList();
        if (problems.Count > 0) throw new ConfigurationProblemException(problems);
    }

    private static async Task<string?> WaitAsync(StartupCheck check, DateTime deadline, TimeSpan timeout, Action<StartupCheck, Exception> onRetry, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            Exception error;
            try
            {
                using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                // Never past the deadline: the timeout the message names is the one the user set.
                var left = deadline - DateTime.UtcNow;
                probe.CancelAfter(left < ProbeTimeout ? (left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1)) : ProbeTimeout);
                // On the pool: a client's first connect may block (Redis), and the deadline must still hold.
                await Task.Run(() => check.Probe(probe.Token), probe.Token).WaitAsync(probe.Token).ConfigureAwait(false);
                return null;
            }
            catch (ConfigurationProblemException e)
            {
                return string.Join("; ", e.Problems);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                error = e is OperationCanceledException ? new TimeoutException("no answer") : e;
            }
            if (!check.Retry || DateTime.UtcNow + pause >= deadline)
                return $"{check.Setting}: {check.What} at {check.Endpoint} did not answer within {timeout.TotalSeconds:F0}s " +
                       $"({SettingNames.Writer.StartupTimeoutSeconds}); last error: {FirstLine(error.Message)}";
            onRetry(check, error);
            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 5_000));
        }
    }

    private static Task KafkaMetadataAsync(KafkaBusOptions options) => Task.Run(() =>
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig(options.ClientConfig()) { SocketTimeoutMs = 5_000 })
            .SetLogHandler((_, _) => { }).Build();
        var metadata = admin.GetMetadata(ProbeTimeout);
        if (metadata.Brokers.Count == 0) throw new KafkaException(ErrorCode.Local_AllBrokersDown);
    });

    /// <summary>Any answer but "unavailable" counts: a missing subscription is reported by the source with its own fix.</summary>
    private static async Task PubSubAnswersAsync(PubSubBus bus, string subscription, CancellationToken cancellationToken)
    {
        try
        {
            // The vendored proto has no GetSubscription; an empty ModifyAckDeadline is answered (OK, InvalidArgument or NotFound) by any live server.
            await bus.Subscriber.ModifyAckDeadlineAsync(new Persistence.Buses.PubSub.V1.ModifyAckDeadlineRequest { Subscription = bus.Options.SubscriptionPath(subscription), AckDeadlineSeconds = 10 },
                cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled))
        {
        }
    }

    /// <summary>host:port list of a StackExchange.Redis configuration string, without its password.</summary>
    public static string RedisEndpoint(string connection)
    {
        try { return string.Join(",", ConfigurationOptions.Parse(connection).EndPoints.Select(e => e.ToString())); }
        catch (ArgumentException) { return "(unparseable connection string)"; }
    }

    /// <summary>Host, port and database of an Npgsql connection string, without its password.</summary>
    public static string PostgresEndpoint(string connection)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connection);
            return $"Host={builder.Host};Port={builder.Port};Database={builder.Database}";
        }
        catch (ArgumentException) { return "(unparseable connection string)"; }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
