using Persistence.Infra.Desired.Kubernetes;
using Persistence.PulumiHost.Hosting;
using Pulumi;
using Pulumi.Kubernetes.Types.Inputs.Core.V1;
using Pulumi.Kubernetes.Types.Inputs.Meta.V1;
using Pulumi.Kubernetes.Types.Inputs.Yaml.V2;
using K8s = Pulumi.Kubernetes;

namespace Persistence.PulumiHost.Components;

/// <summary>
/// <see cref="DesiredKubernetes"/> applied in its order: the namespace, then the credentials Secret, then every other
/// object (ServiceAccount, topics Job, Deployments, TriggerAuthentications, ScaledObjects) exactly as
/// <c>persistence-infra render</c> writes them, so the pull-request diff of the render is what Pulumi applies.
/// </summary>
public sealed class KubernetesObjects : ComponentResource
{
    /// <param name="readyBeforeWriters">Cloud identity, credentials and the pushed image: the writers' pods need
    /// them at start. Passed in because a component's own dependsOn does not hold back its children.</param>
    public KubernetesObjects(string name, DesiredKubernetes desired, StackSecrets secrets,
        IReadOnlyList<Resource> readyBeforeWriters, ComponentResourceOptions? options = null)
        : base("persistence:stack:KubernetesObjects", name, options)
    {
        var ns = new K8s.Yaml.V2.ConfigGroup($"{name}-namespace", new ConfigGroupArgs { Yaml = desired.NamespaceYaml },
            new ComponentResourceOptions { Parent = this });

        var workloadsAfter = new List<Resource>(readyBeforeWriters) { ns };
        if (desired.Secret is { } secret)
            workloadsAfter.Add(CredentialsSecret(name, secret, secrets, ns));

        _ = new K8s.Yaml.V2.ConfigGroup($"{name}-workloads", new ConfigGroupArgs { Yaml = desired.WorkloadYaml },
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
            Metadata = new ObjectMetaArgs
            {
                Name = metadata.Name,
                Namespace = metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>(metadata.Labels ?? new Dictionary<string, string>()),
                Annotations = new Dictionary<string, string>(metadata.Annotations ?? new Dictionary<string, string>()),
            },
            Type = secret.Shape.Type,
            StringData = stringData,
        }, new CustomResourceOptions { Parent = this, DependsOn = { ns } });
    }
}
