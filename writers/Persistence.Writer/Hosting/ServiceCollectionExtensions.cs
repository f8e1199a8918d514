using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Persistence.Contracts;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Diagnostics;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks.Registry;
using Persistence.Writer.Hosting.Settings;

namespace Persistence.Writer.Hosting;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The one composition of a writer, for `run` and for each of `local`'s eight: options bound from the
    /// Writer, Bus and Stores sections and validated at start (every problem by key, exit 3), the bus and the
    /// stores as singletons the host disposes, the startup checks, the loop, and the health endpoint.
    /// </summary>
    /// <param name="sharedBus">A bus the caller owns (`local` runs eight writers on one); the host neither checks nor disposes it, and Bus:Backend is not needed.</param>
    public static IHostApplicationBuilder AddPersistenceWriter(this IHostApplicationBuilder builder, IMessageBus? sharedBus = null)
    {
        var services = builder.Services;
        services.AddSettings<WriterSettings>(WriterSettings.Bind, s => s.Problems());
        services.AddSettings<BusSettings>((c, s) => { s.Shared = sharedBus is not null; BusSettings.Bind(c, s); }, s => s.Problems());
        services.AddSettings<StoreSettings>(StoreSettings.Bind, s => s.Problems());

        if (sharedBus is null)
            services.AddSingleton(sp => BusSelection.Create(sp.GetRequiredService<IOptions<BusSettings>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        else
            services.AddSingleton(sharedBus); // an instance the container did not create: not disposed with the host
        services.AddSingleton(sp => new SelectedStores(sp.GetRequiredService<IOptions<StoreSettings>>().Value));
        services.AddSingleton<WriterReadiness>();
        services.AddSingleton(sp => new WriterMetrics(() => sp.GetService<WriterLoopHolder>()?.Writer));
        services.AddSingleton<WriterLoopHolder>();
        services.AddSingleton<IRunnableWriter>(sp => sp.GetRequiredService<WriterLoopHolder>().Build(sp));

        // Start order matters: probes answer while the gate waits, and the loop starts only after it.
        services.AddHostedService<HealthServer>();
        services.AddHostedService<StartupGate>();
        services.AddHostedService<WriterService>();
        AddTracing(builder);
        var drain = DrainTimeoutSeconds(builder.Configuration);
        services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(drain + 5));
        return builder;
    }

    /// <summary>Where the writer loop is assembled; the only place.</summary>
    private sealed class WriterLoopHolder
    {
        public IRunnableWriter? Writer { get; private set; }

        public IRunnableWriter Build(IServiceProvider sp)
        {
            var settings = sp.GetRequiredService<IOptions<WriterSettings>>().Value;
            var busSettings = sp.GetRequiredService<IOptions<BusSettings>>().Value;
            var configuration = sp.GetRequiredService<IConfiguration>();
            var logs = sp.GetRequiredService<ILoggerFactory>();
            var bus = sp.GetRequiredService<IMessageBus>();
            var options = settings.Loop;
            var info = settings.Info;
            var budget = MemoryBudget.Resolve(options);
            var parts = new LoopParts(
                new WriterIdentity(options.Name, info.Type.ToString()),
                bus.OpenSource(SourceAddress.ForWriter(options.Subscription, configuration[SettingNames.Bus.KafkaConsumerGroup] ?? options.Name)),
                new DeadLetterPublisher(bus.OpenPublisher(busSettings.DeadLetterTopic)),
                options,
                new ByteBudget(budget.Bytes),
                logs.CreateLogger($"writer.{options.Name}"));
            logs.CreateLogger("writer").LogInformation("in-flight budget {Bytes} bytes ({Reason})", budget.Bytes, budget.Reason);
            Writer = WriterFactory.Create(info.Type, options.OutputTopic, sp.GetRequiredService<SelectedStores>().Build(bus, info.Type), parts);
            return Writer;
        }
    }

    /// <summary>
    /// OpenTelemetry tracing of the writer loop's spans (and the writer's meter), exported over OTLP only when the standard
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads it and OTEL_SERVICE_NAME itself), so a writer with
    /// no collector pays nothing.
    /// </summary>
    private static void AddTracing(IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return;
        var name = builder.Configuration[SettingNames.Writer.Name] ?? builder.Configuration[SettingNames.Writer.Type]?.ToLowerInvariant().Replace('_', '-') ?? "persistence-writer";
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? name))
            .WithTracing(tracing => tracing.AddSource(WriterTracing.SourceName).AddOtlpExporter())
            .WithMetrics(metrics => metrics.AddMeter(WriterMetrics.MeterName).AddOtlpExporter());
    }

    /// <summary>Binds a settings type from configuration, validates it with its own problem list, and checks it at start.</summary>
    private static void AddSettings<T>(this IServiceCollection services, Action<IConfiguration, T> bind, Func<T, IEnumerable<string>> problems) where T : class
    {
        services.AddOptions<T>().Configure<IConfiguration>((settings, configuration) => bind(configuration, settings)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new ProblemsValidator<T>(problems));
    }

    /// <summary>Read raw: the host's options are built before validation, and a bad value is reported there, not here.</summary>
    private static int DrainTimeoutSeconds(IConfiguration configuration) =>
        int.TryParse(configuration[SettingNames.Writer.DrainTimeoutSeconds], out var seconds) && seconds >= 0 ? seconds : new WriterOptions().DrainTimeoutSeconds;
}
