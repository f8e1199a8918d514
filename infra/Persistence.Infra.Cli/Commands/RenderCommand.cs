using Persistence.Infra.Cli.Verbs;
using Persistence.Infra.Desired;
using Persistence.Infra.Rendering;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Cli.Commands;

/// <summary>
/// render --stack &lt;name&gt; --out &lt;dir&gt;: validates, then writes the Kubernetes manifests and a cloud resource summary
/// exactly as the Pulumi host applies them, for pull-request diffs without Pulumi or cloud credentials.
/// </summary>
public static class RenderCommand
{
    public static int Run(RenderArguments options, TextWriter stdout, TextWriter stderr)
    {
        var stack = options.Stack;
        var output = options.Out;
        var path = StackLocator.StackFilePath(stack, options.Dir);
        var root = Path.GetDirectoryName(path)!;
        if (!File.Exists(path))
            throw new UsageException($"{path} does not exist; stacks here: {string.Join(", ", StackLocator.ExistingStacks(root).DefaultIfEmpty("none"))}");

        var report = StackValidator.RunFile(path);
        var subject = Path.GetFileName(path);
        if (report.HasErrors || report.Config is null)
        {
            ProblemPrinter.Print(report.Problems, subject, stderr);
            stderr.WriteLine($"render: nothing written; fix the errors above and run `persistence-infra render --stack {stack} --out {output}` again");
            return InfraCli.ConfigErrors;
        }
        if (!Directory.Exists(Path.Combine(root, "writers")))
            throw new UsageException($"{root} has no writers/ folder: the image tag is a hash of it; run from the repository checkout or pass --dir <checkout>");

        var state = DesiredStateBuilder.Build(report.Config, new DesiredContext(stack, root));
        var files = ManifestWriter.Write(state, output);

        if (report.Problems.Count > 0) ProblemPrinter.Print(report.Problems, subject, stdout);
        var kinds = state.Kubernetes.Objects.GroupBy(o => o.Kind).Select(g => $"{g.Count()} {g.Key}");
        stdout.WriteLine($"rendered stack {stack} ({report.Config.Cloud.ToString().ToLowerInvariant()}) to {files.OutputDirectory}");
        stdout.WriteLine($"  kubernetes/: {files.KubernetesFiles.Count} files ({string.Join(", ", kinds)}{(state.Kubernetes.Secret is null ? "" : ", 1 Secret shape")}{(state.Kubernetes.RedisServerCa is null ? "" : ", 1 ConfigMap (Redis server CA)")})");
        stdout.WriteLine($"  {files.CloudSummaryFile}: {CloudCount(state)}");
        stdout.WriteLine($"  image: {state.Image.Reference}{(state.Image.Build is null ? " (pinned)" : " (content hash of writers/)")}");
        return InfraCli.Ok;
    }

    private static string CloudCount(DesiredState s) => s.Aws is { } aws
        ? $"AWS: {aws.Secrets.Count} secrets, IAM role {aws.Role.Name}, {aws.KafkaTopics.Count} Kafka topics{(aws.Repository is null ? "" : ", ECR repository")}"
        : s.Gcp is { } gcp
            ? $"GCP: service account {gcp.ServiceAccount.Email}, {gcp.Topics.Count} topics, {gcp.Subscriptions.Count} subscriptions, {gcp.TopicGrants.Count + gcp.SubscriptionGrants.Count + gcp.ProjectGrants.Count} IAM grants"
            : "no cloud resources";
}
