using Microsoft.Extensions.Configuration;
using Persistence.Runtime.Bus;
using Persistence.Sinks.Registry;
using Persistence.Writer.Hosting.Settings;

namespace Persistence.Writer.Hosting;

/// <summary>Reads the Stores section outside a host: `local` prepares and counts its stores with the same settings its writers get.</summary>
public static class StoreSelection
{
    /// <summary>Every store role the settings select (tests of the selection; writers build only their own through the host).</summary>
    public static Func<IMessageBus, WriterDependencies>? Create(IConfiguration configuration, List<string> problems)
    {
        var stores = Select(configuration, problems);
        return bus => stores.Build(bus);
    }

    /// <summary>Binds and checks the Stores section; every bad value is added to <paramref name="problems"/> by key.</summary>
    public static SelectedStores Select(IConfiguration configuration, List<string> problems)
    {
        var settings = new StoreSettings();
        StoreSettings.Bind(configuration, settings);
        problems.AddRange(settings.Problems());
        return new SelectedStores(settings);
    }
}
