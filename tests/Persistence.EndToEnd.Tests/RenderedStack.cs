using k8s;
using k8s.Models;
using Persistence.Infra.Config;
using Persistence.Infra.Desired;
using Persistence.Infra.Rendering;
using Persistence.Infra.Validation;

namespace Persistence.EndToEnd.Tests;

/// <summary>One writer Deployment as `persistence-infra render` wrote it: its container's args, env and limits.</summary>
public sealed record RenderedWriter(string Name, string Type, IReadOnlyList<string> Args, IReadOnlyList<V1EnvVar> Env, long MemoryLimitBytes);

/// <summary>
/// A stack rendered the way `persistence-infra render` does it (validate, build the desired state, write the
/// manifests), then read back from the YAML files: the Deployments come from what was written, not from objects in memory.
/// </summary>
public sealed class RenderedStack
{
    private RenderedStack(string stack, StackConfig config, DesiredState state, IReadOnlyList<RenderedWriter> writers)
    {
        Stack = stack;
        Config = config;
        State = state;
        Writers = writers;
    }

    public string Stack { get; }
    public StackConfig Config { get; }
    public DesiredState State { get; }
    public IReadOnlyList<RenderedWriter> Writers { get; }

    public RenderedWriter Writer(string type) => Writers.Single(w => w.Type == type);

    public static RenderedStack Render(string stack)
    {
        var root = WriterProcess.RepositoryRoot();
        var report = StackValidator.RunFile(Path.Combine(root, $"Pulumi.{stack}.yaml"));
        Assert.False(report.HasErrors, $"stack {stack} does not validate: {string.Join("; ", report.Problems.Select(p => $"{p.Path}: {p.Message}"))}");
        // The image tag is irrelevant here (the writer runs from its build output), so skip hashing writers/.
        var state = DesiredStateBuilder.Build(report.Config!, new DesiredContext(stack, root, ContentTag: "e2e"));
        var output = Directory.CreateTempSubdirectory($"render-{stack}-").FullName;
        try
        {
            var files = ManifestWriter.Write(state, output);
            var writers = new List<RenderedWriter>();
            foreach (var file in files.KubernetesFiles.Where(f => Path.GetFileName(f).StartsWith("deployment-", StringComparison.Ordinal)))
            {
                var deployment = KubernetesYaml.Deserialize<V1Deployment>(File.ReadAllText(Path.Combine(output, file)));
                var container = deployment.Spec.Template.Spec.Containers.Single(c => c.Name == "writer");
                var type = container.Args.SkipWhile(a => a != "--type").Skip(1).First();
                writers.Add(new RenderedWriter(deployment.Metadata.Name, type, [.. container.Args], [.. container.Env],
                    container.Resources.Limits["memory"].ToInt64()));
            }
            Assert.True(writers.Count == 8, $"expected 8 writer Deployments in the {stack} render, found {writers.Count}");
            return new RenderedStack(stack, report.Config!, state, writers);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
