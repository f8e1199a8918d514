using System.Text.Json;
using Pulumi;

namespace Persistence.PulumiHost.Hosting;

/// <summary>
/// Secret config values as Outputs. Pulumi marks them secret, so they are encrypted in state and masked in
/// previews and logs; this program never turns them into plain strings.
/// </summary>
public sealed class StackSecrets(Config config)
{
    /// <summary>Field name -> secret Output of the config key behind it; a missing key fails the run naming it
    /// (Pulumi's message: "Missing required configuration variable 'persistence:&lt;key&gt;'").</summary>
    public IReadOnlyDictionary<string, Output<string>> Require(IEnumerable<(string Field, string ConfigKey)> fields) =>
        fields.ToDictionary(f => f.Field, f => config.RequireSecret(f.ConfigKey), StringComparer.Ordinal);

    /// <summary>The JSON object a cloud secret stores (e.g. {"username": ..., "password": ...}), still secret.</summary>
    public static Output<string> AsJson(IReadOnlyDictionary<string, Output<string>> fields) =>
        Output.All(fields.Select(f => f.Value.Apply(v => KeyValuePair.Create(f.Key, v))))
            .Apply(pairs => JsonSerializer.Serialize(pairs.ToDictionary(p => p.Key, p => p.Value)));
}
