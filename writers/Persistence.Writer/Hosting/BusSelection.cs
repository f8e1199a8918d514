using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Persistence.Buses.Kafka;
using Persistence.Buses.PubSub;
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
            case "PUBSUB":
                var pubsub = PubSubOptions(configuration);
                var pubsubProblems = pubsub.Problems().ToList();
                problems.AddRange(pubsubProblems);
                return pubsubProblems.Count == 0 ? _ => new PubSubBus(pubsub) : null;
            default:
                problems.Add($"{SettingNames.Bus.Backend} '{backend}' is not a bus backend; valid: Kafka (AWS/MSK), PubSub (GCP); the in-process bus is for `local` only");
                return null;
        }
    }

    public static PubSubBusOptions PubSubOptions(IConfiguration configuration) =>
        configuration.GetSection("Bus:PubSub").Get<PubSubBusOptions>() ?? new PubSubBusOptions();

    public static KafkaBusOptions KafkaOptions(IConfiguration configuration) =>
        configuration.GetSection("Bus:Kafka").Get<KafkaBusOptions>() ?? new KafkaBusOptions();
}
