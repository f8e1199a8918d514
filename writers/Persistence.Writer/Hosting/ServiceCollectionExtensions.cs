using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks.Registry;

namespace Persistence.Writer.Hosting;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers one writer from configuration: its options, bus, stores and the hosted loop. All settings
    /// are checked here, so a bad Deployment fails at start with every problem listed, not mid-stream.
    /// </summary>
    public static IServiceCollection AddPersistenceWriter(this IServiceCollection services, IConfiguration configuration)
    {
        var problems = new List<string>();
        var options = BindWriterOptions(configuration, problems);
        problems.AddRange(options.Problems().Where(p => options.Type is not null || configuration[SettingNames.Writer.Type] is null || !p.StartsWith(SettingNames.Writer.Type, StringComparison.Ordinal)));
        var info = options.Type is { } type ? WriterCatalog.Get(type) : null;
        if (info is not null && string.IsNullOrWhiteSpace(options.Subscription))
            problems.Add($"{SettingNames.Writer.Subscription} is required: the {info.Reads} subscription (Pub/Sub) or topic (Kafka) that {info.Type} reads");
        if (info?.Publishes is { } publishes && string.IsNullOrWhiteSpace(options.OutputTopic))
            problems.Add($"{SettingNames.Writer.OutputTopic} is required: {info.Type} republishes to the {publishes} topic");
        var deadLetterTopic = configuration[SettingNames.Bus.DeadLetterTopic];
        if (string.IsNullOrWhiteSpace(deadLetterTopic))
            problems.Add($"{SettingNames.Bus.DeadLetterTopic} is required: messages that can never be written go there instead of blocking the writer");
        var busFactory = BusSelection.Create(configuration, problems);
        var stores = StoreSelection.Create(configuration, problems);
        if (problems.Count > 0 || info is null || busFactory is null || stores is null)
            throw new ConfigurationProblemException(problems);
        if (string.IsNullOrWhiteSpace(options.Name)) options.Name = info.Type.ToString().ToLowerInvariant().Replace('_', '-');

        services.AddSingleton(options);
        services.AddSingleton<IRunnableWriter>(sp =>
        {
            var budget = MemoryBudget.Resolve(options);
            var bus = busFactory(sp.GetRequiredService<ILoggerFactory>());
            var parts = new LoopParts(
                new WriterIdentity(options.Name, info.Type.ToString()),
                bus.OpenSource(SourceAddress.ForWriter(options.Subscription, configuration[SettingNames.Bus.KafkaConsumerGroup] ?? options.Name)),
                new DeadLetterPublisher(bus.OpenPublisher(deadLetterTopic!)),
                options,
                new ByteBudget(budget.Bytes),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger($"writer.{options.Name}"));
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("writer").LogInformation("in-flight budget {Bytes} bytes ({Reason})", budget.Bytes, budget.Reason);
            return WriterFactory.Create(info.Type, options.OutputTopic, stores(bus), parts);
        });
        services.AddHostedService<WriterService>();
        services.AddHostedService(sp => new HealthServer(
            sp.GetRequiredService<IRunnableWriter>(), configuration.GetValue("Writer:HealthPort", 8080), sp.GetRequiredService<ILogger<HealthServer>>()));
        services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(options.DrainTimeoutSeconds + 5));
        return services;
    }

    private static WriterOptions BindWriterOptions(IConfiguration configuration, List<string> problems)
    {
        var typeText = configuration[SettingNames.Writer.Type];
        if (typeText is not null && !WriterCatalog.TryParse(typeText, out _, out var typeError))
        {
            problems.Add($"{SettingNames.Writer.Type}: {typeError}");
            configuration = new ConfigurationBuilder().AddConfiguration(configuration)
                .AddInMemoryCollection(new Dictionary<string, string?> { [SettingNames.Writer.Type] = null }).Build();
        }
        try
        {
            return configuration.GetSection(SettingNames.Writer.Section).Get<WriterOptions>() ?? new WriterOptions();
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key and the value it could not convert.
            problems.Add(e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})");
            return new WriterOptions();
        }
    }
}
