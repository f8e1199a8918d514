using System.Text;
using Persistence.Infra.Desired.Kubernetes;

namespace Persistence.Infra.Rendering;

/// <summary>The Kubernetes apply order as Markdown, appended to cloud-resources.md: what `pulumi up` waits for before what.</summary>
public static class ApplyOrder
{
    public static string Markdown(DesiredKubernetes kubernetes)
    {
        var md = new StringBuilder("\n## Kubernetes apply order\n\nEach stage is applied after the previous one (Pulumi dependsOn)");
        md.Append(kubernetes.TopicsJob is null ? ".\n\n" : "; the topics Job is awaited until it completes, and a failed Job stops the update before any writer changes.\n\n");
        var number = 0;
        foreach (var stage in kubernetes.ApplyStages.Where(s => s.Objects.Count > 0))
            md.Append($"{++number}. {stage.Stage}: {string.Join(", ", stage.Objects.Select(o => $"`{o}`"))}\n");
        return md.ToString();
    }
}
