using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Persistence.Infra.Desired.Keda;

// KEDA's custom resources as typed models (keda.sh/v1alpha1), shaped like KubernetesClient's own so the same
// KubernetesYaml/KubernetesJson serialise them. Only the fields this stack sets; null fields are omitted.

public sealed class KedaScaledObject : IKubernetesObject<V1ObjectMeta>
{
    public const string KedaApiVersion = "keda.sh/v1alpha1";
    public const string KindName = "ScaledObject";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = KedaApiVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = KindName;
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ScaledObjectSpec Spec { get; set; } = new();
}

public sealed class ScaledObjectSpec
{
    [JsonPropertyName("scaleTargetRef")] public ScaleTargetRef ScaleTargetRef { get; set; } = new();
    [JsonPropertyName("minReplicaCount")] public int? MinReplicaCount { get; set; }
    [JsonPropertyName("maxReplicaCount")] public int? MaxReplicaCount { get; set; }
    [JsonPropertyName("pollingInterval")] public int? PollingInterval { get; set; }
    [JsonPropertyName("cooldownPeriod")] public int? CooldownPeriod { get; set; }
    [JsonPropertyName("triggers")] public List<ScaleTrigger> Triggers { get; set; } = [];
}

public sealed class ScaleTargetRef
{
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
}

public sealed class ScaleTrigger
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("metadata")] public Dictionary<string, string> Metadata { get; set; } = [];
    [JsonPropertyName("authenticationRef")] public AuthenticationRef? AuthenticationRef { get; set; }
}

public sealed class AuthenticationRef
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("kind")] public string? Kind { get; set; }
}

public sealed class KedaTriggerAuthentication : IKubernetesObject<V1ObjectMeta>
{
    public const string KindName = "TriggerAuthentication";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = KedaScaledObject.KedaApiVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = KindName;
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public TriggerAuthenticationSpec Spec { get; set; } = new();
}

public sealed class TriggerAuthenticationSpec
{
    [JsonPropertyName("podIdentity")] public PodIdentity? PodIdentity { get; set; }
    [JsonPropertyName("secretTargetRef")] public List<SecretTargetRef>? SecretTargetRef { get; set; }
}

public sealed class PodIdentity
{
    [JsonPropertyName("provider")] public string Provider { get; set; } = "";
}

/// <summary>One authParam read from a Secret key: KEDA's parameter name, the Secret, the key.</summary>
public sealed class SecretTargetRef
{
    [JsonPropertyName("parameter")] public string Parameter { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("key")] public string Key { get; set; } = "";
}

public static class KedaTypes
{
    /// <summary>For KubernetesYaml.LoadAllFromString: apiVersion/kind -> type, KEDA's kinds included.</summary>
    public static IDictionary<string, Type> TypeMap => new Dictionary<string, Type>
    {
        [$"{KedaScaledObject.KedaApiVersion}/{KedaScaledObject.KindName}"] = typeof(KedaScaledObject),
        [$"{KedaScaledObject.KedaApiVersion}/{KedaTriggerAuthentication.KindName}"] = typeof(KedaTriggerAuthentication),
    };
}
