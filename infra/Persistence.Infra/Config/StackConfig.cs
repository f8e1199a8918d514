using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Persistence.Infra.Config.Loading;

namespace Persistence.Infra.Config;

/// <summary>
/// Everything under the <c>persistence:</c> namespace of a Pulumi stack file, typed.
/// Built from the namespace-stripped values (key "writers", not "persistence:writers") so the CLI, which reads
/// Pulumi.&lt;stack&gt;.yaml, and the Pulumi host, which reads <c>Config.GetObject&lt;JsonElement&gt;</c>, share one path.
/// </summary>
public sealed record StackConfig
{
    public required CloudProvider Cloud { get; init; }

    /// <summary>Kubernetes namespace of the writers.</summary>
    public string Namespace { get; init; } = "background-persistence";

    public required ServiceAccountConfig ServiceAccount { get; init; }
    public required SecretsConfig Secrets { get; init; }
    public required BusConfig Bus { get; init; }
    public required StoresConfig Stores { get; init; }
    public required ImagesConfig Images { get; init; }
    public required IReadOnlyList<WriterConfig> Writers { get; init; }

    /// <summary>KEDA's identity (GCP: who reads Cloud Monitoring); defaults to the Helm chart's.</summary>
    public KedaConfig Keda { get; init; } = new();

    /// <summary>Secret config keys (<see cref="StackConfigKeys.Secrets"/>) that are set; their values are never held here.</summary>
    [JsonIgnore]
    public IReadOnlySet<string> SecretKeysSet { get; init; } = new HashSet<string>();

    /// <summary>Key paths of typed fields whose value was a <c>{secure: ...}</c> leaf (their value reads as <see cref="SecretLeaf.Redacted"/>).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> SecretPaths { get; init; } = [];

    /// <summary>Builds the typed config; throws <see cref="StackConfigException"/> listing every problem when it cannot.</summary>
    public static StackConfig FromValues(IReadOnlyDictionary<string, JsonNode?> values)
    {
        var result = StackConfigReader.Read(values);
        return result.Config ?? throw new StackConfigException(result.Problems.Where(p => p.IsError).ToList());
    }
}
