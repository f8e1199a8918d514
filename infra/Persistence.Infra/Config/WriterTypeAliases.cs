using Persistence.Contracts;

namespace Persistence.Infra.Config;

/// <summary>
/// The installation guide names writer types by implementation (GO_METRICS_BUS_WRITER,
/// GO_RESULT_BUS_METRICS_WRITER, ...). There is one implementation here, so the language prefix goes and the
/// RESULT_BUS_ names map to the writer that reads that result-bus subscription. Only <c>import</c> accepts them.
/// </summary>
public static class WriterTypeAliases
{
    private static readonly string[] LanguagePrefixes = ["GO_", "PYTHON_", "RUST_"];

    private static readonly Dictionary<string, WriterType> ResultBusNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["RESULT_BUS_METRICS_WRITER"] = WriterType.METRICS_WRITER,
        ["RESULT_BUS_ONLINE_WRITER"] = WriterType.ONLINE_WRITER,
        ["RESULT_BUS_ONLINE_STORE_WRITER"] = WriterType.ONLINE_WRITER,
        ["RESULT_BUS_OFFLINE_WRITER"] = WriterType.OFFLINE_WRITER,
        ["RESULT_BUS_OFFLINE_STORE_WRITER"] = WriterType.OFFLINE_WRITER,
    };

    /// <summary>Maps a guide name (or a plain type name) to a writer type.</summary>
    public static bool TryMap(string? name, out WriterType type)
    {
        type = default;
        if (string.IsNullOrWhiteSpace(name)) return false;
        var text = name.Trim();
        foreach (var prefix in LanguagePrefixes)
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                text = text[prefix.Length..];

        if (ResultBusNames.TryGetValue(text, out type)) return true;
        return Enum.TryParse(text, ignoreCase: true, out type) && Enum.IsDefined(type) && !int.TryParse(text, out _);
    }
}
