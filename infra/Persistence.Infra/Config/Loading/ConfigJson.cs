using System.Text.Json;
using System.Text.Json.Serialization;

namespace Persistence.Infra.Config.Loading;

/// <summary>Serializer settings of stack config: camelCase keys (Web defaults), enums by name.</summary>
public static class ConfigJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            Converters = { new JsonStringEnumConverter() },
            RespectNullableAnnotations = true,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
