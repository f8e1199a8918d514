using System.Globalization;
using Microsoft.Extensions.Configuration;
using Persistence.Contracts;
using Persistence.Runtime.Options;

namespace Persistence.Writer.Hosting.Settings;

/// <summary>The Writer section: the loop's options and what the host itself needs (health port, startup timeout).</summary>
public sealed class WriterSettings
{
    public WriterOptions Loop { get; private set; } = new();

    /// <summary>Port of /healthz, /readyz and /metrics; 0 disables them (`local`).</summary>
    public int HealthPort { get; private set; } = 8080;

    /// <summary>How long the writer waits at start for its bus and stores to answer before it exits 3.</summary>
    public int StartupTimeoutSeconds { get; private set; } = 60;

    internal List<string> BindingProblems { get; } = [];

    /// <summary>A writer type the settings name, once they are valid.</summary>
    public WriterTypeInfo Info => WriterCatalog.Get(Loop.Type ?? throw new InvalidOperationException($"{SettingNames.Writer.Type} is not set"));

    internal static void Bind(IConfiguration configuration, WriterSettings settings)
    {
        var problems = settings.BindingProblems;
        var typeText = configuration[SettingNames.Writer.Type];
        var typeKnown = typeText is null || WriterCatalog.TryParse(typeText, out _, out _);
        if (!typeKnown)
        {
            WriterCatalog.TryParse(typeText, out _, out var typeError);
            problems.Add($"{SettingNames.Writer.Type}: {typeError}");
            // Bind the rest without the type, so the other keys are still checked.
            configuration = new ConfigurationBuilder().AddConfiguration(configuration)
                .AddInMemoryCollection(new Dictionary<string, string?> { [SettingNames.Writer.Type] = null }).Build();
        }
        settings.Loop = SectionBinding.Bind<WriterOptions>(configuration, SettingNames.Writer.Section, problems);
        settings.HealthPort = Int(configuration, SettingNames.Writer.HealthPort, 8080, problems);
        settings.StartupTimeoutSeconds = Int(configuration, SettingNames.Writer.StartupTimeoutSeconds, 60, problems);
        if (settings.Loop.Type is { } type && string.IsNullOrWhiteSpace(settings.Loop.Name))
            settings.Loop.Name = type.ToString().ToLowerInvariant().Replace('_', '-');
        settings.TypeWasUnknown = !typeKnown;
    }

    private bool TypeWasUnknown { get; set; }

    internal IEnumerable<string> Problems()
    {
        foreach (var p in BindingProblems) yield return p;
        foreach (var p in Loop.Problems())
            if (!(TypeWasUnknown && p.StartsWith(SettingNames.Writer.Type, StringComparison.Ordinal)))
                yield return p;
        if (Loop.Type is { } type)
        {
            var info = WriterCatalog.Get(type);
            if (string.IsNullOrWhiteSpace(Loop.Subscription))
                yield return $"{SettingNames.Writer.Subscription} is required: the {info.Reads} subscription (Pub/Sub) or topic (Kafka) that {info.Type} reads";
            if (info.Publishes is { } publishes && string.IsNullOrWhiteSpace(Loop.OutputTopic))
                yield return $"{SettingNames.Writer.OutputTopic} is required: {info.Type} republishes to the {publishes} topic";
        }
        if (StartupTimeoutSeconds < 1)
            yield return $"{SettingNames.Writer.StartupTimeoutSeconds} must be at least 1 (got {StartupTimeoutSeconds}): how long the writer waits for its bus and stores at start";
        if (HealthPort is < 0 or > 65535)
            yield return $"{SettingNames.Writer.HealthPort} must be a TCP port, or 0 to disable /healthz, /readyz and /metrics (got {HealthPort})";
    }

    private static int Int(IConfiguration configuration, string key, int fallback, List<string> problems)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)) return value;
        problems.Add($"{key} must be a whole number (got '{text}')");
        return fallback;
    }
}
