using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Persistence.Contracts;
using Persistence.Infra.Desired.Kubernetes;
using Persistence.Infra.Rendering;
using Persistence.Infra.Validation;
using static Persistence.Infra.Tests.TestStacks;

namespace Persistence.Infra.Tests;

/// <summary>
/// stores.redis.serverCa: from a Memorystore instance (prod) or a PEM, rendered as a ConfigMap that only the online
/// and vector writers mount, with Stores:Redis:CaCertificatePath pointing at it; bad CA config is refused by key.
/// </summary>
public sealed class RedisServerCaTests : IDisposable
{
    private const string Path = "persistence:stores.redis.serverCa";
    private readonly string _temp = Directory.CreateTempSubdirectory("redis-ca-render-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static readonly string CaPem = NewCaPem();

    private static string NewCaPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test Redis CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return ca.ExportCertificatePem();
    }

    private static void UsePem(Dictionary<string, JsonNode?> v, string pem) =>
        v.Set("stores.redis.serverCa", new JsonObject { ["pem"] = pem });

    private static bool MountsCa(V1DeploymentLike d) => d.Volumes.Any(v => v.ConfigMap?.Name == RedisServerCaMap.Name);

    private sealed record V1DeploymentLike(string Name, WriterType Type, IReadOnlyList<k8s.Models.V1Volume> Volumes, IReadOnlyList<k8s.Models.V1VolumeMount> Mounts, IReadOnlyDictionary<string, string> Env);

    private static List<V1DeploymentLike> Deployments(Desired.DesiredState state, string stack) =>
        [.. state.Kubernetes.Deployments.Select(d => d.Spec.Template.Spec.Containers[0]).Zip(state.Kubernetes.Deployments).Select(p => new V1DeploymentLike(
            p.Second.Metadata.Name, Enum.Parse<WriterType>(p.First.Args[2]),
            [.. p.Second.Spec.Template.Spec.Volumes], [.. p.First.VolumeMounts], p.First.Env.ToDictionary(e => e.Name, e => e.Value)))];

    [Fact]
    public void Prod_reads_the_ca_from_its_memorystore_instance_into_a_configmap_only_the_redis_writers_mount()
    {
        var state = DesiredStacks.Of("prod");

        var ca = Assert.IsType<RedisServerCaMap>(state.Kubernetes.RedisServerCa);
        Assert.Equal(new MemorystoreInstance("acme-features-prod", "europe-west4", "features-online"), ca.Instance);
        Assert.Null(ca.Pem);
        Assert.Null(ca.Shape.Data);
        Assert.Contains("serverCaCerts", ca.Shape.Metadata.Annotations[ClusterObjects.SecretSourcesAnnotation]);

        var variable = SettingNames.ToEnvironmentVariable(SettingNames.Stores.RedisCaCertificatePath);
        foreach (var d in Deployments(state, "prod"))
        {
            var redisWriter = d.Type is WriterType.ONLINE_WRITER or WriterType.ONLINE_VECTOR_STORE_WRITER;
            Assert.True(redisWriter == MountsCa(d), $"{d.Name} ({d.Type}) mounts the CA: {MountsCa(d)}");
            Assert.Equal(redisWriter, d.Env.ContainsKey(variable));
            if (!redisWriter) continue;
            Assert.Equal("/var/run/persistence/redis-ca/ca.crt", d.Env[variable]);
            var mount = Assert.Single(d.Mounts, m => m.Name == RedisServerCaMap.VolumeName);
            Assert.Equal((RedisServerCaMap.MountPath, true), (mount.MountPath, mount.ReadOnlyProperty == true));
        }

        var rendered = File.ReadAllText(System.IO.Path.Combine(Render(state), "kubernetes", $"configmap-{RedisServerCaMap.Name}.yaml"));
        Assert.Contains("# Shape only: `pulumi up` fills ca.crt with the server CA certificates (serverCaCerts) of projects/acme-features-prod/locations/europe-west4/instances/features-online", rendered);
    }

    [Fact]
    public void A_pem_from_config_is_rendered_whole_in_the_configmap()
    {
        var state = DesiredStacks.Of("prod", v => UsePem(v, CaPem));

        var ca = Assert.IsType<RedisServerCaMap>(state.Kubernetes.RedisServerCa);
        Assert.Null(ca.Instance);
        Assert.Equal(CaPem.Trim() + "\n", ca.Shape.Data[RedisServerCaMap.Key]);
        var rendered = File.ReadAllText(System.IO.Path.Combine(Render(state), "kubernetes", $"configmap-{RedisServerCaMap.Name}.yaml"));
        Assert.Contains("-----BEGIN CERTIFICATE-----", rendered);
        Assert.Contains(CaPem.Split('\n')[1].Trim(), rendered);
    }

    [Fact]
    public void Without_a_server_ca_nothing_is_mounted()
    {
        var state = DesiredStacks.Of("dev");
        Assert.Null(state.Kubernetes.RedisServerCa);
        Assert.DoesNotContain(Deployments(state, "dev"), MountsCa);
    }

    [Fact]
    public void Bad_ca_config_is_refused_by_key_with_the_fix()
    {
        Assert.Contains("stores.redis.tls is off",
            Validate("prod", v => v.Set("stores.redis.tls", false)).Single(Severity.Error, Path).Message);
        Assert.Contains("both memorystoreInstance and pem are set",
            Validate("prod", v => v.Set("stores.redis.serverCa.pem", CaPem)).Single(Severity.Error, Path).Message);
        Assert.Contains("neither memorystoreInstance nor pem is set",
            Validate("prod", v => v.Set("stores.redis.serverCa", new JsonObject())).Single(Severity.Error, Path).Message);

        var badId = Validate("prod", v => v.Set("stores.redis.serverCa.memorystoreInstance", "features-online")).Single(Severity.Error, $"{Path}.memorystoreInstance");
        Assert.Contains("is not a Memorystore instance id", badId.Message);
        Assert.Contains("projects/<project>/locations/<region>/instances/<name>", badId.Fix);

        var onAws = Validate("dev", v => v.Set("stores.redis.serverCa", new JsonObject { ["memorystoreInstance"] = "projects/acme-features-dev/locations/us-east1/instances/x" }))
            .Single(Severity.Error, $"{Path}.memorystoreInstance");
        Assert.Contains("Memorystore is a GCP service", onAws.Message);

        var notPem = Validate("prod", v => UsePem(v, "not a certificate")).Single(Severity.Error, $"{Path}.pem");
        Assert.Contains("-----BEGIN CERTIFICATE-----", notPem.Message);
        Assert.Contains("pulumi config set --path", notPem.Fix);
        var withKey = Validate("prod", v => UsePem(v, CaPem + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")).Single(Severity.Error, $"{Path}.pem");
        Assert.Contains("private key", withKey.Message);

        var unknown = Validate("prod", v => v.Set("stores.redis.serverCa.cert", CaPem));
        Assert.Contains(unknown.Errors, p => p.Path == $"{Path}.cert");
    }

    [Fact]
    public void Memorystore_tls_without_a_server_ca_is_warned_about_with_the_key_to_set()
    {
        var report = Validate("prod", v => v.RemovePath("stores.redis.serverCa"));

        Assert.False(report.HasErrors, string.Join(Environment.NewLine, report.Errors));
        var warning = report.Single(Severity.Warning, Path);
        Assert.Contains("every connection would be refused", warning.Message);
        Assert.Contains($"pulumi config set --path '{Path}.memorystoreInstance'", warning.Fix);
        // ElastiCache's certificates are publicly trusted: no warning on AWS.
        Assert.DoesNotContain(Validate("dev", _ => { }).Problems, p => p.Path == Path);
    }

    private string Render(Desired.DesiredState state)
    {
        var dir = System.IO.Path.Combine(_temp, Guid.NewGuid().ToString("N"));
        ManifestWriter.Write(state, dir);
        return dir;
    }
}
