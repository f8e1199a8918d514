using System.Globalization;
using k8s.Models;
using Persistence.Infra.Config;
using Persistence.Infra.Desired.Image;

namespace Persistence.Infra.Desired.Kubernetes;

/// <summary>One Deployment per writer, hardened and probed, running `persistence-writer run --type &lt;TYPE&gt;`.</summary>
public static class WriterDeployments
{
    public const string ContainerName = "writer";

    /// <summary>The app user of the .NET runtime images (USER $APP_UID in writers/Dockerfile).</summary>
    public const long AppUid = 1654;

    /// <summary>Size limits of the emptyDirs every writer has.</summary>
    public const string TmpSize = "64Mi";
    public const string DataSize = "1Gi";

    /// <summary>The sum of the volumes' sizes, in Mi when whole (e.g. 64Mi + 1Gi + 10Gi = "11328Mi").</summary>
    public static string EphemeralStorage(params string[] sizes)
    {
        var total = sizes.Sum(size => Validation.Quantities.TryParse(size, out var bytes)
            ? bytes
            : throw new ArgumentException($"'{size}' is not a Kubernetes quantity (validate reports it)", nameof(sizes)));
        return total % Validation.Quantities.Mi == 0
            ? (total / Validation.Quantities.Mi).ToString("0", CultureInfo.InvariantCulture) + "Mi"
            : total.ToString("0", CultureInfo.InvariantCulture);
    }

    public static V1Deployment Build(WriterConfig writer, StackConfig config, WriterImage image, Credentials credentials)
    {
        var labels = Labels.ForWriter(writer.Name, writer.Type);
        var mounts = new List<V1VolumeMount>
        {
            Models.Mount("/tmp", "tmp"),
            Models.Mount(WriterEnvironment.DataPath, "data"),
        };
        var volumes = new List<V1Volume>
        {
            Models.EmptyDir("tmp", TmpSize),
            // The embedded store file (fallback stores and the mirror's outcome log) needs a writable place.
            Models.EmptyDir("data", DataSize),
        };
        var requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(writer.Request.Cpu), ["memory"] = new(writer.Request.Memory) };
        var limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(writer.Limit.Cpu), ["memory"] = new(writer.Limit.Memory) };
        if (writer.Type == Contracts.WriterType.OFFLINE_STORE_BULK_INSERT_WRITER)
        {
            // Objects are spooled to disk, not memory: the volume must hold the largest file, and the scheduler
            // must know the pod needs that much local disk (or the kubelet evicts it mid-load). emptyDirs count
            // against the pod's ephemeral storage, so request and limit cover all three volumes.
            var spool = writer.SpoolSize ?? WriterConfig.DefaultSpoolSize;
            mounts.Add(Models.Mount(WriterEnvironment.SpoolPath, "spool"));
            volumes.Add(Models.EmptyDir("spool", spool));
            var disk = EphemeralStorage(TmpSize, DataSize, spool);
            requests["ephemeral-storage"] = new ResourceQuantity(disk);
            limits["ephemeral-storage"] = new ResourceQuantity(disk);
        }
        if (credentials.KafkaSasl)
        {
            mounts.Add(Models.Mount(Credentials.KafkaMountPath, "kafka-sasl", readOnly: true));
            volumes.Add(SecretVolume("kafka-sasl", Models.Item(Credentials.KafkaSaslFileKey, Credentials.KafkaSaslFileKey)));
        }
        if (Credentials.UsesRedis(writer.Type, config) && RedisServerCaMap.For(config) is not null)
        {
            mounts.Add(Models.Mount(RedisServerCaMap.MountPath, RedisServerCaMap.VolumeName, readOnly: true));
            volumes.Add(RedisServerCaMap.Volume());
        }
        if (credentials.MountsPostgres(writer.Type))
        {
            mounts.Add(Models.Mount(Credentials.PostgresMountPath, "postgres-password", readOnly: true));
            volumes.Add(SecretVolume("postgres-password", Models.Item(Credentials.PostgresPasswordKey, "password")));
        }

        var container = new V1Container
        {
            Name = ContainerName,
            Image = image.ReferenceFor(writer.Version ?? config.Images.Tag),
            ImagePullPolicy = "IfNotPresent",
            Args = ["run", "--type", writer.Type.ToString()],
            Env = WriterEnvironment.For(writer, config, credentials),
            Ports = [new V1ContainerPort { ContainerPort = WriterEnvironment.HealthPortNumber, Name = "health", Protocol = "TCP" }],
            Resources = new V1ResourceRequirements
            {
                Requests = requests,
                Limits = limits,
            },
            LivenessProbe = new V1Probe { HttpGet = Get("/healthz"), InitialDelaySeconds = 10, PeriodSeconds = 10, FailureThreshold = 3, TimeoutSeconds = 2 },
            ReadinessProbe = new V1Probe { HttpGet = Get("/readyz"), PeriodSeconds = 5, FailureThreshold = 3, TimeoutSeconds = 2 },
            SecurityContext = new V1SecurityContext
            {
                AllowPrivilegeEscalation = false,
                ReadOnlyRootFilesystem = true,
                RunAsNonRoot = true,
                RunAsUser = AppUid,
                RunAsGroup = AppUid,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
            },
            VolumeMounts = mounts,
        };

        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = writer.Name, NamespaceProperty = config.Namespace, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                // With KEDA the HPA owns the count: a replicas field here would reset it on every `pulumi up`.
                Replicas = writer.Scaling is null ? writer.FixedReplicas : null,
                RevisionHistoryLimit = 5,
                Selector = new V1LabelSelector { MatchLabels = Labels.Selector(writer.Name) },
                // Consumers: never drop below the current count during a rollout; one extra pod at a time.
                Strategy = new V1DeploymentStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "1", MaxUnavailable = "0" },
                },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = labels,
                        Annotations = new Dictionary<string, string>
                        {
                            ["prometheus.io/scrape"] = "true",
                            ["prometheus.io/port"] = WriterEnvironment.HealthPortNumber.ToString(CultureInfo.InvariantCulture),
                            ["prometheus.io/path"] = "/metrics",
                        },
                    },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = config.ServiceAccount.Name,
                        // Longer than the drain timeout plus the host's 5 s margin, so SIGKILL never cuts a drain short.
                        TerminationGracePeriodSeconds = WriterEnvironment.DrainTimeout + 15,
                        EnableServiceLinks = false,
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            RunAsUser = AppUid,
                            RunAsGroup = AppUid,
                            FsGroup = AppUid,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        Containers = [container],
                        Volumes = volumes,
                    },
                },
            },
        };
    }

    private static V1HTTPGetAction Get(string path) => new() { Port = "health", Path = path, Scheme = "HTTP" };

    /// <summary>A projection of chosen keys of the credentials Secret, readable by the pod's group only.</summary>
    public static V1Volume SecretVolume(string name, params V1KeyToPath[] items) =>
        new() { Name = name, Secret = new V1SecretVolumeSource { SecretName = Credentials.SecretName, Items = items, DefaultMode = 0b100_100_000 } };
}
