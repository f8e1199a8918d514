using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Persistence.Contracts;
using Persistence.Writer.Cli;

namespace Persistence.Writer.Hosting;

/// <summary>`persistence-writer run --type X`: one writer, configured from environment and appsettings, until SIGTERM.</summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var parsed = CommandArgs.Parse(args, "run", ["type", "name"]);
        var builder = Host.CreateApplicationBuilder();
        if (parsed.Get("type") is { } typeText)
        {
            if (!WriterCatalog.TryParse(typeText, out _, out var error)) throw new UsageException(error);
            builder.Configuration[SettingNames.Writer.Type] = typeText;
        }
        if (parsed.Get("name") is { } name) builder.Configuration[SettingNames.Writer.Name] = name;
        builder.Services.AddPersistenceWriter(builder.Configuration);
        using var host = builder.Build();
        await host.RunAsync().ConfigureAwait(false);
        return Environment.ExitCode;
    }
}
