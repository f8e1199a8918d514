using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Diagnostics;
using Persistence.Tests.Shared;
using Persistence.Writer.Hosting;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writers.Tests;

/// <summary>A query can be followed from its publisher to the store write, and on through what a writer republishes.</summary>
[Collection("tracing")]
public sealed class TracingTests : IDisposable
{
    private readonly ConcurrentBag<Activity> _spans = [];
    private readonly ActivityListener _listener;
    private readonly string _workDir = Directory.CreateTempSubdirectory("tracing-").FullName;

    public TracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WriterTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private IHost StartWriter(InProcessBus bus, string type, string subscription, string? output = null)
    {
        var settings = new Dictionary<string, string?>
        {
            // A name of its own: the listener hears every writer in the process, other test classes' too.
            ["Writer:Type"] = type, ["Writer:Name"] = $"tracing-{type.ToLowerInvariant()}", ["Writer:Subscription"] = subscription, ["Writer:OutputTopic"] = output, ["Writer:HealthPort"] = "0",
            ["Writer:BatchLingerMilliseconds"] = "5", ["Bus:DeadLetterTopic"] = "dlq", ["Stores:Embedded:Path"] = Path.Combine(_workDir, "stores.duckdb"),
        };
        var host = WriterHost.Build(WriterHost.CreateEmptyBuilder(settings), bus);
        host.StartAsync().GetAwaiter().GetResult();
        return host;
    }

    private static byte[] Result(string queryId) => TestData.Result(queryId, DateTimeOffset.UtcNow,
        [TestData.Feature("user.score", ValueType.Float, TimeSpan.FromHours(1))], (1, [Persistence.Stores.Values.Of(0.5)])).ToByteArray();

    [Fact]
    public async Task The_batch_span_continues_the_trace_context_the_publisher_set()
    {
        var bus = new InProcessBus();
        bus.EnsureSubscription("results", "tracing-online_writer");
        using var host = StartWriter(bus, "ONLINE_WRITER", "results");
        var (traceId, spanId) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        await using (var publisher = bus.OpenPublisher("results"))
            await publisher.PublishAsync(new OutboundMessage(Result("traced-q1"), new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-{spanId}-01" }), CancellationToken.None);

        await Eventually.WaitAsync(() => _spans.Any(s => s.TraceId == traceId), "a writer span in the publisher's trace");
        var span = _spans.First(s => s.TraceId == traceId);
        Assert.Equal(spanId, span.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, span.Kind);
        Assert.Equal("ONLINE_WRITER write", span.DisplayName);
        Assert.Equal("tracing-online_writer", span.GetTagItem("persistence.writer.name"));
        await host.StopAsync();
    }

    [Fact]
    public async Task A_republished_message_carries_the_trace_on_to_the_next_writer()
    {
        var bus = new InProcessBus();
        bus.EnsureSubscription("results", "tracing-offline_writer");
        var streaming = bus.EnsureSubscription("streaming", "inspector");
        using var host = StartWriter(bus, "OFFLINE_WRITER", "results", output: "streaming");
        var traceId = ActivityTraceId.CreateRandom();
        await using (var publisher = bus.OpenPublisher("results"))
            await publisher.PublishAsync(new OutboundMessage(Result("traced-q2"), new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01" }), CancellationToken.None);

        await using var source = bus.OpenSource("streaming", "inspector");
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var republished = await source.ReceiveAsync(wait.Token);
        var context = WriterTracing.ContextOf(republished.Message);
        Assert.NotNull(context);
        Assert.Equal(traceId, context.Value.TraceId);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_message_without_trace_context_starts_its_own_trace()
    {
        var bus = new InProcessBus();
        bus.EnsureSubscription("results", "tracing-online_writer");
        using var host = StartWriter(bus, "ONLINE_WRITER", "results");
        await using (var publisher = bus.OpenPublisher("results"))
            await publisher.PublishAsync(new OutboundMessage(Result("untraced-q3")), CancellationToken.None);
        bool Mine(Activity s) => s.GetTagItem("persistence.writer.name") as string == "tracing-online_writer";
        await Eventually.WaitAsync(() => _spans.Any(Mine), "a writer span");
        Assert.All(_spans.Where(Mine), s => Assert.Equal(default, s.ParentSpanId));
        await host.StopAsync();
    }

    public void Dispose() => _listener.Dispose();
}
