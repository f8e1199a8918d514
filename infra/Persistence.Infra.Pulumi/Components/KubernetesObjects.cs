using Persistence.Infra.Desired.Kubernetes;
using Persistence.PulumiHost.Hosting;
using Pulumi;
using Pulumi.Kubernetes.Types.Inputs.Core.V1;
using Pulumi.Kubernetes.Types.Inputs.Meta.V1;
using Pulumi.Kubernetes.Types.Inputs.Yaml.V2;
using Gcp = Pulumi.Gcp;
using K8s = Pulumi.Kubernetes;

namespace Persistence.PulumiHost.Components;

/// <summary>
/// <see cref="DesiredKubernetes"/> applied in its order: the namespace; the credentials Secret and the Redis server CA
/// ConfigMap; the ServiceAccount; the Kafka topics Job, awaited until it completes; then the writers and their scalers —
/// exactly as <c>persistence-infra render</c> writes them, so the pull-request diff of the render is what Pulumi applies.
/// </summary>
public sealed class KubernetesObjects : ComponentResource
{
    /// <param name="readyBeforeWriters">Cloud identity, credentials and the pushed image: the writers' pods need
    /// them at start. Passed in because a component's own dependsOn does not hold back its children.</param>
    /// <param name="gcpProvider">The GCP provider, to read a Memorystore instance's server CA; null on AWS.</param>
    public KubernetesObjects(string name, DesiredKubernetes desired, StackSecrets secrets,
        IReadOnlyList<Resource> readyBeforeWriters, ProviderResource? gcpProvider = null, ComponentResourceOptions? options = null)
        : base("persistence:stack:KubernetesObjects", name, options)
    {
        var ns = new K8s.Yaml.V2.ConfigGroup($"{name}-namespace", new ConfigGroupArgs { Yaml = desired.NamespaceYaml },
            new ComponentResourceOptions { Parent = this });

        var afterNamespace = new List<Resource>(readyBeforeWriters) { ns };
        if (desired.Secret is { } secret)
            afterNamespace.Add(CredentialsSecret(name, secret, secrets, ns));
        if (desired.RedisServerCa is { } ca)
            afterNamespace.Add(RedisServerCa(name, ca, gcpProvider, ns));

        // The ServiceAccount and the Job were children of the workloads group; the shared prefix keeps their logical
        // names ("<prefix>:<namespace>/<name>"), so splitting the group replaces nothing.
        var workloadsPrefix = $"{name}-workloads";
        var identity = new K8s.Yaml.V2.ConfigGroup($"{name}-identity",
            new ConfigGroupArgs { Yaml = desired.IdentityYaml, ResourcePrefix = workloadsPrefix },
            new ComponentResourceOptions { Parent = this, DependsOn = afterNamespace });

        // pulumi-kubernetes waits for a Job to complete (and fails the update when it fails), so writers that depend on
        // it start only once their topics exist with the partitions and retention asked.
        var workloadsAfter = new List<Resource>(afterNamespace) { identity };
        if (desired.TopicsJobYaml is { } topicsJob)
            workloadsAfter.Add(new K8s.Yaml.V2.ConfigGroup($"{name}-topics",
                new ConfigGroupArgs { Yaml = topicsJob, ResourcePrefix = workloadsPrefix },
                new ComponentResourceOptions { Parent = this, DependsOn = new List<Resource>(afterNamespace) { identity } }));

        _ = new K8s.Yaml.V2.ConfigGroup(workloadsPrefix, new ConfigGroupArgs { Yaml = desired.WorkloadYaml },
            new ComponentResourceOptions { Parent = this, DependsOn = workloadsAfter });

        RegisterOutputs();
    }

    /// <summary>
    /// The Secret's shape (metadata, type) with each key filled from secret config: a field's value, or a JSON file
    /// of several. Typed rather than YAML because its values must never be rendered; StringData is kept secret.
    /// </summary>
    private K8s.Core.V1.Secret CredentialsSecret(string name, KubernetesSecretShape secret, StackSecrets secrets, Resource ns)
    {
        var metadata = secret.Shape.Metadata;
        var stringData = new InputMap<string>();
        foreach (var field in secret.Fields) stringData.Add(field.Field, secrets.Value(field));
        foreach (var file in secret.JsonFiles) stringData.Add(file.Key, secrets.Json(file.Fields));

        return new K8s.Core.V1.Secret($"{name}-{secret.Name}", new SecretArgs
        {
            Metadata = MetadataArgs(metadata),
            Type = secret.Shape.Type,
            StringData = stringData,
        }, new CustomResourceOptions { Parent = this, DependsOn = { ns } });
    }

    /// <summary>
    /// The Redis server CA ConfigMap: the PEM from config, or every <c>serverCaCerts[].cert</c> of the Memorystore
    /// instance (two during a CA rotation; the writer trusts all of them). Typed because the certificates are known only
    /// at `pulumi up`.
    /// </summary>
    private K8s.Core.V1.ConfigMap RedisServerCa(string name, RedisServerCaMap ca, ProviderResource? gcpProvider, Resource ns)
    {
        Input<string> pem;
        if (ca.Instance is { } instance)
        {
            if (gcpProvider is null) throw new RunException($"{instance.Id}: a Memorystore server CA needs the GCP provider; persistence:cloud must be gcp");
            pem = Gcp.Redis.GetInstance.Invoke(new Gcp.Redis.GetInstanceInvokeArgs
            {
                Name = instance.Name,
                Region = instance.Region,
                Project = instance.Project,
            }, new InvokeOptions { Parent = this, Provider = gcpProvider }).Apply(found =>
            {
                var certs = found.ServerCaCerts.Select(c => c.Cert.Trim()).Where(c => c.Length > 0).ToList();
                if (certs.Count == 0)
                    throw new RunException($"{instance.Id} has no server CA certificate: enable in-transit encryption on the instance (transit encryption mode SERVER_AUTHENTICATION), or set stores.redis.tls false");
                return string.Join("\n", certs) + "\n";
            });
        }
        else
        {
            pem = ca.Pem!;
        }

        return new K8s.Core.V1.ConfigMap($"{name}-{RedisServerCaMap.Name}", new ConfigMapArgs
        {
            Metadata = MetadataArgs(ca.Shape.Metadata),
            Data = new InputMap<string> { { RedisServerCaMap.Key, pem } },
        }, new CustomResourceOptions { Parent = this, DependsOn = { ns } });
    }

    private static ObjectMetaArgs MetadataArgs(k8s.Models.V1ObjectMeta metadata) => new()
    {
        Name = metadata.Name,
        Namespace = metadata.NamespaceProperty,
        Labels = new Dictionary<string, string>(metadata.Labels ?? new Dictionary<string, string>()),
        Annotations = new Dictionary<string, string>(metadata.Annotations ?? new Dictionary<string, string>()),
    };
}
