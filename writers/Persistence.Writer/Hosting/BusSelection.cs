using Microsoft.Extensions.Configuration;
using Persistence.Contracts;
using Persistence.Runtime.Bus;

namespace Persistence.Writer.Hosting;

/// <summary>Chooses the bus backend named by Bus:Backend.</summary>
public static class BusSelection
{
    public static IMessageBus? Create(IConfiguration configuration, List<string> problems)
    {
        var backend = configuration[SettingNames.Bus.Backend];
        switch (backend)
        {
            case null or "":
                problems.Add($"{SettingNames.Bus.Backend} is required: Kafka (AWS/MSK) or PubSub (GCP)");
                return null;
            default:
                problems.Add($"{SettingNames.Bus.Backend} '{backend}' is not available in this build; valid: Kafka, PubSub (InProcess is for `local` only)");
                return null;
        }
    }
}
