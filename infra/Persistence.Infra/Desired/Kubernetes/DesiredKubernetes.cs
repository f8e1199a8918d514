using k8s;
using k8s.Models;

namespace Persistence.Infra.Desired.Kubernetes;

/// <summary>One Kubernetes object as a typed model (KubernetesClient's, or a KEDA record) with its YAML.</summary>
public sealed record KubernetesManifest(IKubernetesObject<V1ObjectMeta> Object)
{
    public string ApiVersion => Object.ApiVersion;
    public string Kind => Object.Kind;
    public string Name => Object.Metadata.Name;
    public string? Namespace => Object.Metadata.NamespaceProperty;

    /// <summary>Stable file name for render: "deployment-result-bus-online-writer.yaml".</summary>
    public string FileName => $"{Kind.ToLowerInvariant()}-{Name}.yaml";

    public string Yaml => KubernetesYaml.Serialize(Object);
}

/// <summary>
/// The credentials Secret's shape: name, namespace and keys, never values. The host fills each key from Pulumi
/// secret config at `pulumi up` (so it stays encrypted in state); render writes the shape with empty data.
/// </summary>
/// <param name="Shape">The Secret without data, annotated with where each key's value comes from.</param>
/// <param name="Fields">Keys holding one secret config value each (e.g. "username" from kafkaSaslUsername).</param>
/// <param name="JsonFiles">Keys holding a JSON object of several values (e.g. "sasl.json", the file the writer reads).</param>
public sealed record KubernetesSecretShape(V1Secret Shape, IReadOnlyList<SecretField> Fields, IReadOnlyList<SecretJsonFile> JsonFiles)
{
    public string Name => Shape.Metadata.Name;
    public string Namespace => Shape.Metadata.NamespaceProperty;
    public IEnumerable<string> Keys => Fields.Select(f => f.Field).Concat(JsonFiles.Select(j => j.Key));
}

/// <summary>A Secret key whose value is the JSON object {field: value of config key, ...}.</summary>
public sealed record SecretJsonFile(string Key, IReadOnlyList<SecretField> Fields);

/// <summary>
/// The Kubernetes side of the stack, in apply order. <see cref="Secret"/> is separate because its values must not be
/// rendered: the host creates it between <see cref="NamespaceYaml"/> and <see cref="WorkloadYaml"/>.
/// </summary>
public sealed record DesiredKubernetes(
    V1Namespace Namespace,
    V1ServiceAccount ServiceAccount,
    KubernetesSecretShape? Secret,
    V1Job? TopicsJob,
    IReadOnlyList<V1Deployment> Deployments,
    IReadOnlyList<Keda.KedaTriggerAuthentication> TriggerAuthentications,
    IReadOnlyList<Keda.KedaScaledObject> ScaledObjects)
{
    /// <summary>Every object the host applies from YAML, in order: namespace, service account, job, deployments, KEDA.</summary>
    public IReadOnlyList<KubernetesManifest> Objects =>
    [
        new(Namespace),
        new(ServiceAccount),
        .. TopicsJob is null ? Array.Empty<KubernetesManifest>() : [new KubernetesManifest(TopicsJob)],
        .. Deployments.Select(d => new KubernetesManifest(d)),
        .. TriggerAuthentications.Select(t => new KubernetesManifest(t)),
        .. ScaledObjects.Select(s => new KubernetesManifest(s)),
    ];

    public string NamespaceYaml => KubernetesYaml.Serialize(Namespace);

    /// <summary>Every object but the namespace (and the Secret), as one multi-document YAML stream.</summary>
    public string WorkloadYaml => string.Join("---\n", Objects.Skip(1).Select(o => o.Yaml.TrimEnd('\n') + "\n"));
}
