using System.Text.Json;
using Persistence.Infra.Desired;
using Pulumi;

namespace Persistence.PulumiHost.Hosting;

/// <summary>
/// Fills the desired state's <see cref="SecretField"/>s from Pulumi secret config. Values stay inside secret
/// Outputs: encrypted in state, masked in previews and logs, never turned into plain strings by this program.
/// </summary>
public sealed class StackSecrets(Config config)
{
    /// <summary>One field's value. A missing key fails the run naming it
    /// (Pulumi: "Missing required configuration variable 'persistence:&lt;key&gt;'").</summary>
    public Output<string> Value(SecretField field) => config.RequireSecret(field.ConfigKey);

    /// <summary>The JSON object {field: value, ...} a cloud secret or a mounted file holds, still secret.</summary>
    public Output<string> Json(IEnumerable<SecretField> fields) =>
        Output.CreateSecret(Output.All(fields.Select(f => Value(f).Apply(v => KeyValuePair.Create(f.Field, v))))
            .Apply(pairs => JsonSerializer.Serialize(pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal))));
}
