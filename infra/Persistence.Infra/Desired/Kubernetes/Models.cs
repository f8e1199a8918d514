using k8s.Models;

namespace Persistence.Infra.Desired.Kubernetes;

/// <summary>Short constructors for the KubernetesClient models this stack uses (they only have init properties).</summary>
internal static class Models
{
    public static V1EnvVar Env(string name, string? value) => new() { Name = name, Value = value };

    public static V1EnvVar Env(string name, V1EnvVarSource from) => new() { Name = name, ValueFrom = from };

    public static V1VolumeMount Mount(string path, string volume, bool readOnly = false) =>
        new() { MountPath = path, Name = volume, ReadOnlyProperty = readOnly ? true : null };

    public static V1Volume EmptyDir(string name, string? sizeLimit = null) =>
        new() { Name = name, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = sizeLimit is null ? null : new ResourceQuantity(sizeLimit) } };

    public static V1KeyToPath Item(string key, string path) => new() { Key = key, Path = path };
}
