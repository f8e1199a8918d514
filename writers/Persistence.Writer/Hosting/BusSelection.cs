using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Persistence.Buses.Kafka;
using Persistence.Contracts;
using Persistence.Runtime.Bus;

namespace Persistence.Writer.Hosting;

/// <summary>Chooses the bus backend named by Bus:Backend and checks its settings.</summary>
public static class BusSelection
{
    public static Func<ILoggerFactory, IMessageBus>? Create(IConfiguration configuration, List<string> problems)
    {
        var backend = configuration[SettingNames.Bus.Backend];
        switch (backend?.ToUpperInvariant())
        {
            case null or "":
                problems.Add($"{SettingNames.Bus.Backend} is required: Kafka (AWS/MSK) or PubSub (GCP)");
                return null;
            case "KAFKA":
                var kafka = KafkaOptions(configuration);
                var kafkaProblems = kafka.Problems().ToList();
                problems.AddRange(kafkaProblems);
                return kafkaProblems.Count == 0 ? logs => new KafkaBus(kafka, logs) : null;
            default:
                problems.Add($"{SettingNames.Bus.Backend} '{backend}' is not available in this build; valid: Kafka (PubSub is not built yet; InProcess is for `local` only)");
                return null;
        }
    }

    public static KafkaBusOptions KafkaOptions(IConfiguration configuration) =>
        configuration.GetSection("Bus:Kafka").Get<KafkaBusOptions>() ?? new KafkaBusOptions();
}
