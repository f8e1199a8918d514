using Persistence.Contracts;
using Persistence.Writer.Cli;

namespace Persistence.Writer.Hosting;

/// <summary>`persistence-writer run --type X`: one writer, configured from environment and appsettings, until SIGTERM.</summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var parsed = CommandArgs.Parse(args, "run", ["type", "name"]);
        var overrides = new Dictionary<string, string?>();
        if (parsed.Get("type") is { } typeText)
        {
            if (!WriterCatalog.TryParse(typeText, out _, out var error)) throw new UsageException(error);
            overrides[SettingNames.Writer.Type] = typeText;
        }
        if (parsed.Get("name") is { } name) overrides[SettingNames.Writer.Name] = name;
        using var host = WriterHost.Build(WriterHost.CreateBuilder(overrides));
        return await WriterHost.RunAsync(host).ConfigureAwait(false);
    }
}
