using System.Reflection;
using k8s.Models;
using Persistence.Contracts;
using Persistence.Infra.Desired.Kubernetes;

namespace Persistence.Infra.Tests;

public class DeploymentTests
{
    private static V1Container Container(V1Deployment d) => Assert.Single(d.Spec.Template.Spec.Containers);

    private static Dictionary<string, V1EnvVar> Env(V1Deployment d) => Container(d).Env.ToDictionary(e => e.Name);

    /// <summary>Every key the writer binds, as environment variables.</summary>
    private static readonly HashSet<string> KnownVariables = typeof(SettingNames).GetNestedTypes()
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
        .Where(f => f.IsLiteral && f.Name != "Section")
        .Select(f => SettingNames.ToEnvironmentVariable((string)f.GetRawConstantValue()!))
        .ToHashSet();

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void One_hardened_deployment_per_writer(string stack)
    {
        var config = DesiredStacks.Config(stack);
        var deployments = DesiredStacks.Of(stack).Kubernetes.Deployments;

        Assert.Equal(config.Writers.Select(w => w.Name), deployments.Select(d => d.Metadata.Name));
        foreach (var (writer, d) in config.Writers.Zip(deployments))
        {
            var labels = d.Spec.Template.Metadata.Labels;
            Assert.Equal(writer.Name, labels["app.kubernetes.io/name"]);
            Assert.Equal(writer.Type.ToString().ToLowerInvariant().Replace('_', '-'), labels["app.kubernetes.io/component"]);
            Assert.Equal("background-persistence", labels["app.kubernetes.io/part-of"]);
            Assert.Equal("pulumi", labels["app.kubernetes.io/managed-by"]);
            Assert.All(d.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, labels[l.Key]));

            var c = Container(d);
            Assert.Equal(["run", "--type", writer.Type.ToString()], c.Args);
            Assert.Equal((writer.Request.Cpu, writer.Request.Memory), (c.Resources.Requests["cpu"].ToString(), c.Resources.Requests["memory"].ToString()));
            Assert.Equal((writer.Limit.Cpu, writer.Limit.Memory), (c.Resources.Limits["cpu"].ToString(), c.Resources.Limits["memory"].ToString()));
            Assert.Equal("/healthz", c.LivenessProbe.HttpGet.Path);
            Assert.Equal("/readyz", c.ReadinessProbe.HttpGet.Path);
            Assert.Equal("health", c.LivenessProbe.HttpGet.Port.Value);
            Assert.Equal(8080, Assert.Single(c.Ports).ContainerPort);

            var pod = d.Spec.Template.Spec;
            Assert.Equal(config.ServiceAccount.Name, pod.ServiceAccountName);
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.Equal(1654, pod.SecurityContext.RunAsUser);
            Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
            Assert.True(c.SecurityContext.ReadOnlyRootFilesystem);
            Assert.False(c.SecurityContext.AllowPrivilegeEscalation);
            Assert.Equal(["ALL"], c.SecurityContext.Capabilities.Drop);
            var drain = int.Parse(Env(d)["Writer__DrainTimeoutSeconds"].Value);
            Assert.True(pod.TerminationGracePeriodSeconds > drain + 5, "the grace period must outlast the drain and the host's 5 s margin");
            Assert.Equal("true", d.Spec.Template.Metadata.Annotations["prometheus.io/scrape"]);
            Assert.Equal("8080", d.Spec.Template.Metadata.Annotations["prometheus.io/port"]);

            // Writable paths exist only as emptyDirs: /tmp and the embedded store's directory.
            var embedded = Env(d)["Stores__Embedded__Path"].Value;
            Assert.Contains(c.VolumeMounts, m => embedded.StartsWith(m.MountPath + "/", StringComparison.Ordinal) && pod.Volumes.Single(v => v.Name == m.Name).EmptyDir is not null);
        }
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Environment_uses_only_keys_the_writer_binds(string stack)
    {
        foreach (var d in DesiredStacks.Of(stack).Kubernetes.Deployments)
        {
            var env = Env(d);
            var gc = WriterGcSettings.Environment.Select(v => v.Name).ToHashSet();
            Assert.All(env.Keys.Where(k => k != Credentials.RedisPasswordVariable && !gc.Contains(k)), k => Assert.Contains(k, KnownVariables));
            Assert.All(WriterGcSettings.Environment, v => Assert.Equal(v.Value, env[v.Name].Value));
            Assert.Equal(d.Metadata.Name, env["Writer__Name"].Value);
            Assert.Equal(Container(d).Args[2], env["Writer__Type"].Value);
            Assert.False(string.IsNullOrEmpty(env["Writer__Subscription"].Value));
            Assert.False(string.IsNullOrEmpty(env["Bus__DeadLetterTopic"].Value));

            var memory = env["Writer__MemoryLimitBytes"].ValueFrom.ResourceFieldRef;
            Assert.Equal(("limits.memory", "writer", "1"), (memory.Resource, memory.ContainerName, memory.Divisor.ToString()));
            Assert.Null(env["Writer__MemoryLimitBytes"].Value);
        }
    }

    [Fact]
    public void Output_topics_follow_the_catalog()
    {
        var byName = DesiredStacks.Of("dev").Kubernetes.Deployments.ToDictionary(d => d.Metadata.Name, Env);

        Assert.Equal("offline-store-streaming-insert-bus-1", byName["result-bus-offline-writer"]["Writer__OutputTopic"].Value);
        Assert.Equal("metrics-bus-1", byName["result-bus-metrics-writer"]["Writer__OutputTopic"].Value);
        Assert.DoesNotContain("Writer__OutputTopic", byName["result-bus-online-writer"].Keys);
        // Kafka: a writer's "subscription" is the topic it reads.
        Assert.Equal("result-bus-1", byName["result-bus-online-writer"]["Writer__Subscription"].Value);
        Assert.Equal("Kafka", byName["result-bus-online-writer"]["Bus__Backend"].Value);
        Assert.Equal("api.dev.features.internal:443", byName["query-mirror-consumer"]["Stores__Mirror__ApiServerHost"].Value);
        Assert.Equal("s3://dev-feature-store-offline-uploads", byName["offline-store-bulk-insert-writer"]["Stores__UploadBucket"].Value);
        Assert.Equal("dev-online.x7k2qa.clustercfg.use1.cache.amazonaws.com:6379,ssl=true", byName["result-bus-online-writer"]["Stores__Redis__Connection"].Value);
        Assert.Equal("true", byName["result-bus-online-writer"]["Stores__Redis__Clustered"].Value);

        var prod = DesiredStacks.Of("prod").Kubernetes.Deployments.ToDictionary(d => d.Metadata.Name, Env);
        Assert.Equal("result-bus-online-store-1", prod["result-bus-online-writer"]["Writer__Subscription"].Value);
        Assert.Equal(("PubSub", "acme-features-prod", "120"), (prod["result-bus-online-writer"]["Bus__Backend"].Value,
            prod["result-bus-online-writer"]["Bus__PubSub__ProjectId"].Value, prod["result-bus-online-writer"]["Bus__PubSub__AckDeadlineSeconds"].Value));
        Assert.DoesNotContain(prod.Values, e => e.Keys.Any(k => k.StartsWith("Bus__Kafka__", StringComparison.Ordinal)));
    }

    [Fact]
    public void Sasl_secret_is_mounted_read_only_where_the_writer_reads_it()
    {
        foreach (var d in DesiredStacks.Of("dev").Kubernetes.Deployments)
        {
            var path = Env(d)["Bus__Kafka__SaslSecretPath"].Value;
            var mount = Container(d).VolumeMounts.Single(m => path.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
            Assert.True(mount.ReadOnlyProperty);
            var secret = d.Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name).Secret;
            Assert.Equal(Credentials.SecretName, secret.SecretName);
            Assert.Equal(Path.GetFileName(path), Assert.Single(secret.Items).Path);
        }
    }

    [Fact]
    public void Store_credentials_reach_only_the_writers_that_use_the_store()
    {
        var deployments = DesiredStacks.Of("dev").Kubernetes.Deployments;
        var withPostgres = deployments.Where(d => Env(d).ContainsKey("Stores__Postgres__PasswordPath")).Select(d => d.Metadata.Name).Order();

        // The query mirror writes its outcome log (query_mirror) to PostgreSQL, not to a file inside the pod.
        Assert.Equal(["metrics-bus-writer", "offline-store-bulk-insert-writer", "offline-store-streaming-insert-writer", "query-mirror-consumer", "result-bus-offline-writer"], withPostgres);
        Assert.DoesNotContain(deployments.Single(d => d.Metadata.Name == "result-bus-online-writer").Spec.Template.Spec.Volumes, v => v.Name == "postgres-password");
    }

    [Fact]
    public void Replicas_are_left_to_keda_when_it_scales_the_writer()
    {
        var deployments = DesiredStacks.Of("dev").Kubernetes.Deployments.ToDictionary(d => d.Metadata.Name);

        Assert.Null(deployments["result-bus-online-writer"].Spec.Replicas);
        Assert.Equal(1, deployments["query-mirror-consumer"].Spec.Replicas);
        var fixedTo3 = DesiredStacks.Of("dev", v => { v.RemovePath("writers[0].scaling"); v.Set("writers[0].replicas", 3); });
        Assert.Equal(3, fixedTo3.Kubernetes.Deployments[0].Spec.Replicas);
        Assert.DoesNotContain(fixedTo3.Kubernetes.ScaledObjects, s => s.Metadata.Name == "result-bus-online-writer");
    }

    [Fact]
    public void A_writer_version_pins_only_its_own_image()
    {
        var state = DesiredStacks.Of("prod", v => v.Set("writers[4].version", "1.4.2"));
        var images = state.Kubernetes.Deployments.Select(d => Container(d).Image).ToList();

        Assert.Equal("europe-west4-docker.pkg.dev/acme-features-prod/persistence/persistence-writer:1.4.2", images[4]);
        Assert.All(images.Where((_, i) => i != 4), image => Assert.Equal(state.Image.Reference, image));
    }

    [Theory]
    [InlineData("dev", null, "10Gi", "11328Mi")]
    [InlineData("prod", "40Gi", "40Gi", "42048Mi")]
    public void The_bulk_insert_writer_spools_to_a_disk_sized_for_its_largest_file(string stack, string? configured, string expected, string disk)
    {
        var state = DesiredStacks.Of(stack, v =>
        {
            if (configured is not null) v.Set($"writers[{BulkWriterIndex(stack)}].spoolSize", configured);
        });
        foreach (var d in state.Kubernetes.Deployments)
        {
            var spool = d.Spec.Template.Spec.Volumes.SingleOrDefault(v => v.Name == "spool");
            if (Container(d).Args[2] != nameof(WriterType.OFFLINE_STORE_BULK_INSERT_WRITER))
            {
                Assert.Null(spool);
                Assert.False(Env(d).ContainsKey("Stores__BulkInsert__SpoolDirectory"));
                continue;
            }
            Assert.Equal(expected, spool!.EmptyDir.SizeLimit.ToString());
            Assert.Equal(disk, Container(d).Resources.Requests["ephemeral-storage"].ToString());   // spool + data + tmp
            var mount = Assert.Single(Container(d).VolumeMounts, m => m.Name == "spool");
            Assert.Equal(mount.MountPath, Env(d)["Stores__BulkInsert__SpoolDirectory"].Value);
        }
    }

    private static int BulkWriterIndex(string stack) =>
        DesiredStacks.Config(stack).Writers.Select((w, i) => (w, i)).Single(x => x.w.Type == WriterType.OFFLINE_STORE_BULK_INSERT_WRITER).i;
}
