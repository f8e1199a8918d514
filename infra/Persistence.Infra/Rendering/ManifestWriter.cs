using System.Text;
using Persistence.Infra.Desired;
using Persistence.Infra.Desired.Kubernetes;

namespace Persistence.Infra.Rendering;

/// <summary>What render wrote, relative to the output directory, in order.</summary>
public sealed record RenderedFiles(string OutputDirectory, IReadOnlyList<string> KubernetesFiles, string CloudSummaryFile);

/// <summary>
/// Writes the desired state for pull-request diffs: one YAML file per Kubernetes object under kubernetes/ (named by
/// kind and name, so files stay put when objects are added) and cloud-resources.md. Same input, same bytes.
/// </summary>
public static class ManifestWriter
{
    public const string KubernetesDirectory = "kubernetes";
    public const string CloudSummaryFileName = "cloud-resources.md";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static RenderedFiles Write(DesiredState state, string outputDirectory)
    {
        var kubernetes = Path.Combine(outputDirectory, KubernetesDirectory);
        Directory.CreateDirectory(kubernetes);
        // Objects that left the config must leave the render too, or the diff would hide their removal.
        foreach (var stale in Directory.EnumerateFiles(kubernetes, "*.yaml")) File.Delete(stale);

        var files = new List<string>();
        void Write(string fileName, string yaml)
        {
            File.WriteAllText(Path.Combine(kubernetes, fileName), Normalize(yaml), Utf8);
            files.Add($"{KubernetesDirectory}/{fileName}");
        }

        foreach (var manifest in state.Kubernetes.Objects) Write(manifest.FileName, manifest.Yaml);
        if (state.Kubernetes.Secret is { } secret)
            Write($"secret-{secret.Name}.yaml", "# Shape only: `pulumi up` fills each key from Pulumi secret config (see the annotation); values are never rendered.\n"
                + k8s.KubernetesYaml.Serialize(secret.Shape));
        if (state.Kubernetes.RedisServerCa is { } ca)
            Write($"configmap-{RedisServerCaMap.Name}.yaml", (ca.Instance is null ? "" :
                    $"# Shape only: `pulumi up` fills {RedisServerCaMap.Key} with the server CA certificates (serverCaCerts) of {ca.Instance.Id}.\n")
                + k8s.KubernetesYaml.Serialize(ca.Shape));

        File.WriteAllText(Path.Combine(outputDirectory, CloudSummaryFileName), Normalize(CloudSummary.Markdown(state) + ApplyOrder.Markdown(state.Kubernetes)), Utf8);
        return new RenderedFiles(Path.GetFullPath(outputDirectory), [.. files.Order(StringComparer.Ordinal)], CloudSummaryFileName);
    }

    private static string Normalize(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n') + "\n";
}
