using k8s.Models;
using Persistence.Infra.Config;

namespace Persistence.Infra.Desired.Kubernetes;

/// <summary>A Memorystore for Redis instance, whose <c>serverCaCerts</c> the host reads at `pulumi up`.</summary>
public sealed record MemorystoreInstance(string Project, string Region, string Name)
{
    public string Id => $"projects/{Project}/locations/{Region}/instances/{Name}";

    public static MemorystoreInstance Parse(string id)
    {
        var parts = id.Split('/');
        return new MemorystoreInstance(parts[1], parts[3], parts[5]);
    }
}

/// <summary>
/// The ConfigMap holding the Redis server CA (<see cref="Key"/>), mounted into the online and vector writers. With a
/// <see cref="Pem"/> from config it is rendered whole; from a <see cref="Instance"/> the host fills <see cref="Key"/> with
/// the instance's server CA certificates, and render shows the shape with where they come from.
/// </summary>
public sealed record RedisServerCaMap(V1ConfigMap Shape, string? Pem, MemorystoreInstance? Instance)
{
    public const string Name = "persistence-redis-server-ca";
    public const string Key = "ca.crt";
    public const string MountPath = "/var/run/persistence/redis-ca";
    public const string VolumeName = "redis-server-ca";
    public static string File => $"{MountPath}/{Key}";

    public static RedisServerCaMap? For(StackConfig c)
    {
        if (c.Stores.Redis is not { Tls: true, ServerCa: { } ca }) return null;
        var instance = string.IsNullOrWhiteSpace(ca.MemorystoreInstance) ? null : MemorystoreInstance.Parse(ca.MemorystoreInstance);
        var pem = instance is null ? ca.Pem!.ReplaceLineEndings("\n").Trim() + "\n" : null;
        var shape = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = Name,
                NamespaceProperty = c.Namespace,
                Labels = Labels.ForStack("redis-server-ca"),
                Annotations = new Dictionary<string, string>
                {
                    [ClusterObjects.SecretSourcesAnnotation] = instance is null
                        ? $"{Key}=persistence:stores.redis.serverCa.pem"
                        : $"{Key}=serverCaCerts[*].cert of {instance.Id}",
                },
            },
            Data = pem is null ? null : new Dictionary<string, string> { [Key] = pem },
        };
        return new RedisServerCaMap(shape, pem, instance);
    }

    /// <summary>The volume the Redis writers mount the CA from (owner and group may read it).</summary>
    public static V1Volume Volume() => new()
    {
        Name = VolumeName,
        ConfigMap = new V1ConfigMapVolumeSource { Name = Name, Items = [Models.Item(Key, Key)], DefaultMode = 0b100_100_000 },
    };
}
