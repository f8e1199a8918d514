using Persistence.Contracts;
using Persistence.Writer.Cli;

namespace Persistence.Writer.Hosting;

/// <summary>`persistence-writer run --type X`: one writer, configured from environment and appsettings, until SIGTERM.</summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(string? type, string? name)
    {
        var overrides = new Dictionary<string, string?>();
        if (type is { } typeText)
        {
            if (!WriterCatalog.TryParse(typeText, out _, out var error)) throw new UsageException(error);
            overrides[SettingNames.Writer.Type] = typeText;
        }
        if (name is not null) overrides[SettingNames.Writer.Name] = name;
        using var host = WriterHost.Build(WriterHost.CreateBuilder(overrides));
        return await WriterHost.RunAsync(host).ConfigureAwait(false);
    }
}
