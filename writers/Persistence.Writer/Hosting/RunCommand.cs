using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Persistence.Contracts;
using Persistence.Writer.Cli;

namespace Persistence.Writer.Hosting;

/// <summary>`persistence-writer run --type X`: one writer, configured from environment and appsettings, until SIGTERM.</summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(string? type, string? name)
    {
        var builder = Host.CreateApplicationBuilder();
        if (type is { } typeText)
        {
            if (!WriterCatalog.TryParse(typeText, out _, out var error)) throw new UsageException(error);
            builder.Configuration[SettingNames.Writer.Type] = typeText;
        }
        if (name is not null) builder.Configuration[SettingNames.Writer.Name] = name;
        builder.Services.AddPersistenceWriter(builder.Configuration);
        using var host = builder.Build();
        await host.RunAsync().ConfigureAwait(false);
        return Environment.ExitCode;
    }
}
