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

    /// <summary>The Redis server CA ConfigMap the online and vector writers mount; the host creates it before the writers.</summary>
    public RedisServerCaMap? RedisServerCa { get; init; }

    public string NamespaceYaml => KubernetesYaml.Serialize(Namespace);

    /// <summary>The ServiceAccount: the topics Job and the writers run as it, so it is applied before both.</summary>
    public string IdentityYaml => new KubernetesManifest(ServiceAccount).Yaml;

    /// <summary>The topics Job alone, applied (and awaited to completion) before the writers, so their topics exist when they start.</summary>
    public string? TopicsJobYaml => TopicsJob is null ? null : new KubernetesManifest(TopicsJob).Yaml;

    /// <summary>The writers and their scalers (every object but the namespace, service account, topics Job and Secret), as one multi-document YAML stream.</summary>
    public string WorkloadYaml => Stream([
        .. Deployments.Select(d => new KubernetesManifest(d)),
        .. TriggerAuthentications.Select(t => new KubernetesManifest(t)),
        .. ScaledObjects.Select(s => new KubernetesManifest(s)),
    ]);

    /// <summary>
    /// The order the host applies objects in, each stage after the one before (Pulumi dependsOn): the writers start
    /// only after the topics Job has completed. Render prints it, so a reviewer sees what waits for what.
    /// </summary>
    public IReadOnlyList<ApplyStage> ApplyStages =>
    [
        new("namespace", [Describe(Namespace.Kind, Namespace.Metadata.Name)]),
        new("credentials and the Redis server CA", [
            .. Secret is null ? Array.Empty<string>() : [Describe("Secret", Secret.Name)],
            .. RedisServerCa is null ? Array.Empty<string>() : [Describe("ConfigMap", RedisServerCaMap.Name)],
        ]),
        new("identity", [Describe(ServiceAccount.Kind, ServiceAccount.Metadata.Name)]),
        new("topics, awaited until the Job completes", TopicsJob is null ? [] : [Describe(TopicsJob.Kind, TopicsJob.Metadata.Name)]),
        new("writers and their scalers", [
            .. Deployments.Select(d => Describe(d.Kind, d.Metadata.Name)),
            .. TriggerAuthentications.Select(t => Describe(t.Kind, t.Metadata.Name)),
            .. ScaledObjects.Select(s => Describe(s.Kind, s.Metadata.Name)),
        ]),
    ];

    private static string Describe(string kind, string name) => $"{kind}/{name}";

    private static string Stream(IEnumerable<KubernetesManifest> manifests) => string.Join("---\n", manifests.Select(o => o.Yaml.TrimEnd('\n') + "\n"));
}

/// <summary>One step of <see cref="DesiredKubernetes.ApplyStages"/>: its objects as "Kind/name" (empty when the stack has none).</summary>
public sealed record ApplyStage(string Stage, IReadOnlyList<string> Objects);
