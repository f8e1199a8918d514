using System.Text.Json.Nodes;
using k8s;
using Persistence.Infra.Cli;
using Persistence.Infra.Desired;
using Persistence.Infra.Desired.Keda;
using Persistence.Infra.Rendering;

namespace Persistence.Infra.Tests;

public sealed class RenderTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("render-tests-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = InfraCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static Dictionary<string, string> Files(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f).Replace('\\', '/'), File.ReadAllText);

    private string Render(DesiredState state, string name)
    {
        var dir = Path.Combine(_temp, name);
        ManifestWriter.Write(state, dir);
        return dir;
    }

    [Theory]
    [InlineData("dev", 26)]
    [InlineData("prod", 28)] // with the Redis server CA ConfigMap
    public void Both_stacks_render_from_the_cli(string stack, int kubernetesFiles)
    {
        var outDir = Path.Combine(_temp, stack);
        var (code, output, error) = Cli("render", "--stack", stack, "--out", outDir, "--dir", TestStacks.RepoRoot);

        Assert.True(code == 0, error);
        Assert.Contains($"rendered stack {stack}", output);
        var files = Files(outDir);
        Assert.Equal(kubernetesFiles, files.Keys.Count(k => k.StartsWith("kubernetes/", StringComparison.Ordinal)));
        Assert.Contains("cloud-resources.md", files.Keys);
        Assert.All(DesiredStacks.Of(stack).Kubernetes.Deployments, d => Assert.Contains($"kubernetes/deployment-{d.Metadata.Name}.yaml", files.Keys));
    }

    [Fact]
    public void Bad_config_exits_1_naming_the_key_and_writes_nothing()
    {
        var dir = Path.Combine(_temp, "bad");
        Directory.CreateDirectory(dir);
        var yaml = File.ReadAllText(TestStacks.StackPath("dev")).Replace("memory: 2Gi", "memory: 2 Gi");
        File.WriteAllText(Path.Combine(dir, "Pulumi.dev.yaml"), yaml);
        var outDir = Path.Combine(_temp, "bad-out");

        var (code, _, error) = Cli("render", "--stack", "dev", "--out", outDir, "--dir", dir);

        Assert.Equal(InfraCli.ConfigErrors, code);
        Assert.Contains("persistence:writers[3].request.memory", error);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Same_input_renders_the_same_bytes()
    {
        var first = Files(Render(DesiredStacks.Of("prod"), "a"));
        var second = Files(Render(DesiredStacks.Of("prod"), "b"));

        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        Assert.All(first, f => Assert.Equal(f.Value, second[f.Key]));
    }

    [Theory]
    [InlineData("dev", "1536Mi", "3Gi")]
    [InlineData("prod", "3Gi", "4Gi")]
    public void A_memory_edit_changes_exactly_one_deployment(string stack, string before, string after)
    {
        var baseline = Files(Render(DesiredStacks.Of(stack), "before"));
        var edited = Files(Render(DesiredStacks.Of(stack, v => v.Set("writers[2].limit.memory", after)), "after"));
        Assert.Contains($"memory: {before}", baseline["kubernetes/deployment-offline-store-streaming-insert-writer.yaml"]);

        var changed = baseline.Keys.Union(edited.Keys).Where(k => baseline.GetValueOrDefault(k) != edited.GetValueOrDefault(k)).ToList();

        Assert.Equal(["kubernetes/deployment-offline-store-streaming-insert-writer.yaml"], changed);
        Assert.Contains($"memory: {after}", edited[changed[0]]);
    }

    [Fact]
    public void A_removed_writer_leaves_no_stale_file()
    {
        var dir = Render(DesiredStacks.Of("prod"), "shrink");
        Assert.True(File.Exists(Path.Combine(dir, "kubernetes", "deployment-query-mirror-consumer.yaml")));

        ManifestWriter.Write(DesiredStacks.Of("prod", v => v["writers"]!.AsArray().RemoveAt(6)), dir);

        Assert.False(File.Exists(Path.Combine(dir, "kubernetes", "deployment-query-mirror-consumer.yaml")));
        Assert.False(File.Exists(Path.Combine(dir, "kubernetes", "scaledobject-query-mirror-consumer.yaml")));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Every_rendered_object_round_trips_through_kubernetes_yaml(string stack)
    {
        var dir = Render(DesiredStacks.Of(stack), "roundtrip");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(dir, "kubernetes")))
        {
            var text = File.ReadAllText(file);
            var loaded = Assert.Single(KubernetesYaml.LoadAllFromString(text, KedaTypes.TypeMap));
            Assert.IsNotType<JsonObject>(loaded);
            Assert.Equal(text.Split('\n').Where(l => !l.StartsWith('#')).Aggregate((a, b) => a + "\n" + b).TrimEnd('\n'),
                KubernetesYaml.Serialize(loaded).ReplaceLineEndings("\n").TrimEnd('\n'));
        }
        // The YAML the host applies is the same objects, in its stages: namespace, service account, topics Job, the rest.
        var k8s = DesiredStacks.Of(stack).Kubernetes;
        var applied = new[] { k8s.NamespaceYaml, k8s.IdentityYaml, k8s.TopicsJobYaml ?? "", k8s.WorkloadYaml }
            .SelectMany(yaml => yaml.Length == 0 ? [] : KubernetesYaml.LoadAllFromString(yaml, KedaTypes.TypeMap))
            .Select(o => KubernetesYaml.Serialize(o)).ToList();
        Assert.Equal(k8s.Objects.Select(o => o.Yaml), applied);
        Assert.Equal("Namespace", Assert.Single(KubernetesYaml.LoadAllFromString(k8s.NamespaceYaml)).GetType().Name[2..]);
    }

    [Fact]
    public void Cloud_summary_lists_the_resources_of_each_cloud()
    {
        var dev = File.ReadAllText(Path.Combine(Render(DesiredStacks.Of("dev"), "dev"), "cloud-resources.md"));
        var prod = File.ReadAllText(Path.Combine(Render(DesiredStacks.Of("prod"), "prod"), "cloud-resources.md"));

        Assert.Contains("`AmazonMSK_dev_background_persistence` (kafka-sasl)", dev);
        Assert.Contains("sts:AssumeRoleWithWebIdentity", dev);
        Assert.Contains("| `dlq-1` | 3 | 3 | 336 | yes |", dev);
        Assert.Contains("`persistence-dlq-1-hold`", prod);
        Assert.Contains("service-482910375516@gcp-sa-pubsub.iam.gserviceaccount.com", prod);
        Assert.DoesNotContain("## AWS", prod);
    }
}
