using Pulumi;
using Pulumi.Kubernetes.Types.Inputs.Core.V1;
using Pulumi.Kubernetes.Types.Inputs.Meta.V1;
using Pulumi.Kubernetes.Types.Inputs.Yaml.V2;
using K8s = Pulumi.Kubernetes;

namespace Persistence.PulumiHost.Components;

/// <summary>A Kubernetes Secret whose values come from Pulumi secret config: never part of the rendered YAML.</summary>
public sealed record KubernetesSecretValues(string Name, string Namespace, IReadOnlyDictionary<string, Output<string>> Values);

/// <summary>
/// Applies the manifests exactly as <c>persistence-infra render</c> writes them, so the pull-request diff of the
/// rendered YAML is what Pulumi applies. Two groups because the Secret carrying credentials is not rendered and
/// must exist in the namespace before the writers start.
/// </summary>
public sealed class KubernetesObjects : ComponentResource
{
    /// <param name="readyBeforeWriters">Cloud identity, credentials and the pushed image: the writers' pods need
    /// them at start. Passed in because a component's own dependsOn does not hold back its children.</param>
    public KubernetesObjects(string name, string namespaceYaml, string workloadYaml, KubernetesSecretValues? secret,
        IReadOnlyList<Resource> readyBeforeWriters, ComponentResourceOptions? options = null)
        : base("persistence:stack:KubernetesObjects", name, options)
    {
        var ns = new K8s.Yaml.V2.ConfigGroup($"{name}-namespace", new ConfigGroupArgs { Yaml = namespaceYaml },
            new ComponentResourceOptions { Parent = this });

        var workloadDependencies = new List<Resource>(readyBeforeWriters) { ns };
        if (secret is not null)
        {
            var stringData = new InputMap<string>();
            foreach (var (key, value) in secret.Values) stringData.Add(key, value);

            workloadDependencies.Add(new K8s.Core.V1.Secret($"{name}-{secret.Name}", new SecretArgs
            {
                Metadata = new ObjectMetaArgs { Name = secret.Name, Namespace = secret.Namespace },
                Type = "Opaque",
                StringData = stringData,
            }, new CustomResourceOptions { Parent = this, DependsOn = { ns } }));
        }

        _ = new K8s.Yaml.V2.ConfigGroup($"{name}-workloads", new ConfigGroupArgs { Yaml = workloadYaml },
            new ComponentResourceOptions { Parent = this, DependsOn = workloadDependencies });

        RegisterOutputs();
    }
}
