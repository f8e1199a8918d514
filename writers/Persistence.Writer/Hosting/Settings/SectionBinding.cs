using Microsoft.Extensions.Configuration;

namespace Persistence.Writer.Hosting.Settings;

/// <summary>Binds typed options without crashing: a value that does not convert becomes a problem naming its key.</summary>
internal static class SectionBinding
{
    public static T Bind<T>(IConfiguration configuration, string section, List<string> problems) where T : new()
    {
        try
        {
            return configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key and the value ("... value 'abc' at 'Bus:Kafka:SessionTimeoutMs' to type 'System.Int32'").
            problems.Add(e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})");
            return new T();
        }
    }
}
