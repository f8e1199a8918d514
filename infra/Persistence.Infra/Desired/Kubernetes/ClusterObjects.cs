using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using Persistence.Infra.Config;
using Persistence.Infra.Desired.Aws;
using Persistence.Infra.Desired.Gcp;
using Persistence.Infra.Desired.Image;

namespace Persistence.Infra.Desired.Kubernetes;

/// <summary>The namespace, the writers' ServiceAccount with its cloud identity, the credentials Secret shape and the topics Job.</summary>
public static class ClusterObjects
{
    public const string IrsaAnnotation = "eks.amazonaws.com/role-arn";
    public const string WorkloadIdentityAnnotation = "iam.gke.io/gcp-service-account";
    public const string SecretSourcesAnnotation = "persistence.feature-store/values-from";

    public static V1Namespace Namespace(StackConfig c) => new()
    {
        ApiVersion = "v1",
        Kind = "Namespace",
        Metadata = new V1ObjectMeta
        {
            Name = c.Namespace,
            Labels = new Dictionary<string, string>
            {
                ["app.kubernetes.io/part-of"] = Labels.PartOf,
                ["app.kubernetes.io/managed-by"] = Labels.ManagedBy,
                // The writers satisfy the restricted Pod Security Standard; enforce it so nothing weaker slips in.
                ["pod-security.kubernetes.io/enforce"] = "restricted",
            },
        },
    };

    public static V1ServiceAccount ServiceAccount(StackConfig c, GcpServiceAccount? gsa) => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = new V1ObjectMeta
        {
            Name = c.ServiceAccount.Name,
            NamespaceProperty = c.Namespace,
            Labels = Labels.ForStack("identity"),
            Annotations = c.Cloud == CloudProvider.Aws
                ? new Dictionary<string, string> { [IrsaAnnotation] = AwsNames.RoleArn(c) }
                : new Dictionary<string, string> { [WorkloadIdentityAnnotation] = gsa!.Email },
        },
    };

    /// <summary>The Secret without values; the annotation says which secret config key fills each key.</summary>
    public static KubernetesSecretShape? CredentialsSecret(StackConfig c, Credentials credentials)
    {
        if (!credentials.Any) return null;
        var fields = new List<SecretField>();
        var json = new List<SecretJsonFile>();
        if (credentials.KafkaSasl)
        {
            // username/password for KEDA's TriggerAuthentication; sasl.json is the file the writer reads.
            fields.AddRange(credentials.KafkaSaslFields);
            json.Add(new SecretJsonFile(Credentials.KafkaSaslFileKey, credentials.KafkaSaslFields));
        }
        fields.AddRange(credentials.StoreFields);

        var sources = fields.Select(f => $"{f.Field}={f.Source}")
            .Concat(json.Select(j => $"{j.Key}=json({string.Join(",", j.Fields.Select(f => $"{f.Field}:{f.Source}"))})"));
        var shape = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = "Opaque",
            Metadata = new V1ObjectMeta
            {
                Name = Credentials.SecretName,
                NamespaceProperty = c.Namespace,
                Labels = Labels.ForStack("credentials"),
                Annotations = new Dictionary<string, string> { [SecretSourcesAnnotation] = string.Join("; ", sources) },
            },
        };
        return new KubernetesSecretShape(shape, fields, json);
    }

    /// <summary>Pulumi replaces a Job with this annotation on the next `up` when it is not complete (pulumi-kubernetes Diff).</summary>
    public const string ReplaceUnreadyAnnotation = "pulumi.com/replaceUnready";

    /// <summary>A finished Job is deleted after a day: long enough to read a failure's logs and for the next `up` to see it.</summary>
    public const int TopicsJobTtlSeconds = 86_400;

    /// <summary>Pod failures tolerated before the Job fails (a broker briefly away); a refused spec (exit 3) fails it at once.</summary>
    public const int TopicsJobBackoffLimit = 3;

    /// <summary>
    /// `persistence-writer topics ensure` inside the cluster, where the brokers are reachable. Jobs are immutable, so
    /// the name carries a hash of its whole spec: any change (topics, partitions, retention, image) runs a new Job,
    /// and an unchanged spec keeps its name, so `pulumi up` does not rerun it.
    /// </summary>
    public static V1Job? KafkaTopicsJob(StackConfig c, IReadOnlyList<KafkaTopic> topics, WriterImage image, Credentials credentials)
    {
        if (c.Bus.Backend != BusBackend.Kafka || c.Bus.Kafka is not { } kafka || topics.Count == 0) return null;
        var regular = topics.Where(t => !t.IsDeadLetter).ToList();
        var dlq = topics.FirstOrDefault(t => t.IsDeadLetter);
        var args = new List<string> { "topics", "ensure" };
        if (regular.Count > 0) args.AddRange(["--topics", string.Join(',', regular.Select(t => t.Name))]);
        if (dlq is not null) args.AddRange(["--dlq", dlq.Name]);
        args.AddRange([
            "--partitions", kafka.Partitions.ToString(CultureInfo.InvariantCulture),
            "--replication", kafka.ReplicationFactor.ToString(CultureInfo.InvariantCulture),
            "--retention-hours", kafka.RetentionHours.ToString(CultureInfo.InvariantCulture),
        ]);

        var imageRef = image.ReferenceFor(c.Images.Tag);
        var mounts = new List<V1VolumeMount> { Models.Mount("/tmp", "tmp") };
        var volumes = new List<V1Volume> { Models.EmptyDir("tmp", "64Mi") };
        if (credentials.KafkaSasl)
        {
            mounts.Add(Models.Mount(Credentials.KafkaMountPath, "kafka-sasl", readOnly: true));
            volumes.Add(WriterDeployments.SecretVolume("kafka-sasl", Models.Item(Credentials.KafkaSaslFileKey, Credentials.KafkaSaslFileKey)));
        }
        var labels = Labels.ForStack("kafka-topics");
        var spec = new V1JobSpec
        {
            // Deleted a day after it finishes. Pulumi compares with its state, not the cluster, so a deleted Job that
            // succeeded is not recreated; a failed one is replaced by the next `up` (replaceUnready) while it exists.
            TtlSecondsAfterFinished = TopicsJobTtlSeconds,
            BackoffLimit = TopicsJobBackoffLimit,
            // Within pulumi-kubernetes's default 10-minute wait for a Job to complete.
            ActiveDeadlineSeconds = 540,
            PodFailurePolicy = new V1PodFailurePolicy
            {
                // Exit 3: the spec asks what Kafka cannot do (fewer partitions); retrying cannot help.
                Rules = [new V1PodFailurePolicyRule
                {
                    Action = "FailJob",
                    OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { ContainerName = "topics", OperatorProperty = "In", Values = [3] },
                }],
            },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = labels },
                Spec = new V1PodSpec
                {
                    // Never: a pod failure policy needs it, and each attempt's logs stay in its own pod.
                    RestartPolicy = "Never",
                    ServiceAccountName = c.ServiceAccount.Name,
                    EnableServiceLinks = false,
                    SecurityContext = new V1PodSecurityContext
                    {
                        RunAsNonRoot = true, RunAsUser = WriterDeployments.AppUid, RunAsGroup = WriterDeployments.AppUid,
                        FsGroup = WriterDeployments.AppUid, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                    },
                    Containers =
                    [
                        new V1Container
                        {
                            Name = "topics",
                            Image = imageRef,
                            Args = args,
                            Env = [.. WriterEnvironment.Kafka(kafka, credentials)],
                            Resources = new V1ResourceRequirements
                            {
                                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("256Mi") },
                                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("256Mi") },
                            },
                            SecurityContext = new V1SecurityContext
                            {
                                AllowPrivilegeEscalation = false, ReadOnlyRootFilesystem = true, RunAsNonRoot = true,
                                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                            },
                            VolumeMounts = mounts,
                        },
                    ],
                    Volumes = volumes,
                },
            },
        };
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(k8s.KubernetesYaml.Serialize(spec))))[..10];
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                Name = $"kafka-topics-{hash}",
                NamespaceProperty = c.Namespace,
                Labels = labels,
                Annotations = new Dictionary<string, string> { [ReplaceUnreadyAnnotation] = "true" },
            },
            Spec = spec,
        };
    }
}
