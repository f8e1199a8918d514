using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Persistence.Infra.Doctor;

/// <summary>What the cluster says about one writer: Deployment, ScaledObject, pods, and for unhealthy pods the evidence (logs, events).</summary>
public sealed class ClusterProbe(IKubernetes kubernetes, string ns, TimeSpan creatingLimit, TimeProvider clock)
{
    public async Task<bool> NamespaceExistsAsync(CancellationToken cancel) =>
        await OrNull(() => kubernetes.CoreV1.ReadNamespaceAsync(ns, cancellationToken: cancel)).ConfigureAwait(false) is not null;

    public async Task<WriterReport> ProbeAsync(WriterTarget writer, CancellationToken cancel)
    {
        var findings = new List<Finding>();
        var deployment = await OrNull(() => kubernetes.AppsV1.ReadNamespacedDeploymentAsync(writer.Name, ns, cancellationToken: cancel)).ConfigureAwait(false);
        if (deployment is null)
            findings.Add(new(Severity.Action, writer.Name, $"Deployment {ns}/{writer.Name} is missing", "run `pulumi up` for this stack (persistence-infra render shows what it creates)"));
        bool? scaled = null;
        if (writer.ScaledObjectName is { } scaledName)
        {
            scaled = await OrNull(() => kubernetes.CustomObjects.GetNamespacedCustomObjectAsync("keda.sh", "v1alpha1", ns, "scaledobjects", scaledName, cancel)).ConfigureAwait(false) is not null;
            if (scaled == false && deployment is not null)
                findings.Add(new(Severity.Action, writer.Name, $"ScaledObject {ns}/{scaledName} is missing: the writer does not scale with its queue", "check that KEDA is installed (kubectl get crd scaledobjects.keda.sh) and run `pulumi up`"));
        }
        var pods = await kubernetes.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"app.kubernetes.io/name={writer.Name}", cancellationToken: cancel).ConfigureAwait(false);
        var reports = new List<PodReport>();
        foreach (var pod in pods.Items)
            reports.Add(await PodAsync(writer, pod, findings, cancel).ConfigureAwait(false));
        var container = deployment?.Spec.Template.Spec.Containers.FirstOrDefault();
        var limit = container?.Resources?.Limits?.TryGetValue("memory", out var q) == true ? q.ToString() : writer.MemoryLimit;
        var replicas = deployment is null ? "-" : $"{deployment.Status?.ReadyReplicas ?? 0}/{deployment.Spec.Replicas ?? 1}";
        if (deployment is not null && (deployment.Spec.Replicas ?? 1) > 0 && (deployment.Status?.ReadyReplicas ?? 0) == 0 && reports.Count == 0)
            findings.Add(new(Severity.Action, writer.Name, "the Deployment has no pods", $"kubectl -n {ns} describe deployment {writer.Name} (quota, admission webhooks)"));
        return new WriterReport(writer.Index, writer.Name, writer.Type.ToString(), deployment is not null, replicas, scaled, limit, reports, null, findings);
    }

    private async Task<PodReport> PodAsync(WriterTarget writer, V1Pod pod, List<Finding> findings, CancellationToken cancel)
    {
        var name = pod.Metadata.Name;
        var details = new List<string>();
        var statuses = pod.Status?.ContainerStatuses ?? [];
        var restarts = statuses.Sum(s => s.RestartCount);
        var waiting = statuses.Select(s => s.State?.Waiting?.Reason).FirstOrDefault(r => r is not null);
        var lastTerminated = statuses.Select(s => s.LastState?.Terminated ?? s.State?.Terminated).FirstOrDefault(t => t is not null);
        var state = waiting ?? (statuses.All(s => s.Ready) && statuses.Count > 0 ? "Running" : pod.Status?.Phase ?? "Unknown");

        if (lastTerminated?.Reason == "OOMKilled")
        {
            var raised = MemoryAdvice.Double(writer.MemoryLimit);
            findings.Add(new(Severity.Action, writer.Name,
                $"pod {name} OOMKilled (restarted {restarts} time(s), last at {lastTerminated.FinishedAt:u}); memory limit {writer.MemoryLimit}",
                $"pulumi config set --path '{writer.MemoryPath}' {raised} && pulumi config set --path '{writer.MemoryRequestPath}' {raised} && pulumi up"));
            state = waiting is null ? "OOMKilled" : $"{waiting} (OOMKilled)";
        }
        if (waiting == "CrashLoopBackOff")
        {
            var logs = await LastLogLinesAsync(name, previous: true, cancel).ConfigureAwait(false);
            details.AddRange(logs);
            if (lastTerminated?.Reason != "OOMKilled")
                findings.Add(new(Severity.Action, writer.Name,
                    $"pod {name} in CrashLoopBackOff (restarted {restarts} time(s), exit code {lastTerminated?.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}); last log lines:{Environment.NewLine}    " + string.Join(Environment.NewLine + "    ", logs.DefaultIfEmpty("(no logs)")),
                    lastTerminated?.ExitCode == 3 ? "exit code 3 is a configuration error: the log names the key; fix it in the stack config and `pulumi up`" : $"kubectl -n {ns} logs {name} --previous"));
        }
        else if (waiting == "ContainerCreating" && Age(pod) > creatingLimit)
        {
            var events = await EventsAsync(name, cancel).ConfigureAwait(false);
            var mounts = events.Where(e => e.Reason == "FailedMount").Select(e => e.Message).Distinct().ToList();
            details.AddRange(mounts);
            findings.Add(new(Severity.Action, writer.Name,
                $"pod {name} in ContainerCreating for {Age(pod).TotalMinutes:F0} min" + (mounts.Count > 0 ? $"; FailedMount: {string.Join(" | ", mounts)}" : ""),
                mounts.Count > 0 ? "a Secret or ConfigMap it mounts is missing or misnamed: check the credentials Secret (pulumi up creates it) and stores.redis.serverCa" : $"kubectl -n {ns} describe pod {name}"));
        }
        else if (pod.Status?.Phase == "Pending" && waiting is null)
        {
            var condition = pod.Status.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False");
            var events = await EventsAsync(name, cancel).ConfigureAwait(false);
            var reason = condition?.Message ?? events.LastOrDefault(e => e.Reason == "FailedScheduling")?.Message ?? "not scheduled yet";
            details.Add(reason);
            state = "Pending";
            findings.Add(new(Severity.Action, writer.Name, $"pod {name} Pending: {reason}",
                reason.Contains("Insufficient memory", StringComparison.OrdinalIgnoreCase) || reason.Contains("Insufficient cpu", StringComparison.OrdinalIgnoreCase)
                    ? $"no node has room for the request: add nodes, or lower persistence:writers[{writer.Index}].request"
                    : $"kubectl -n {ns} describe pod {name}"));
        }
        else if (waiting is "ImagePullBackOff" or "ErrImagePull" or "CreateContainerConfigError" or "InvalidImageName")
        {
            var message = statuses.Select(s => s.State?.Waiting?.Message).FirstOrDefault(m => m is not null) ?? "";
            details.Add(message);
            findings.Add(new(Severity.Action, writer.Name, $"pod {name} {waiting}: {message}",
                waiting == "CreateContainerConfigError" ? "a Secret or key it reads is missing: `pulumi up` creates the credentials Secret" : "check persistence:images and the registry grant"));
        }
        return new PodReport(name, pod.Status?.Phase ?? "Unknown", state, restarts, lastTerminated is null ? null : $"{lastTerminated.Reason} (exit {lastTerminated.ExitCode})", details);
    }

    private TimeSpan Age(V1Pod pod) => pod.Metadata.CreationTimestamp is { } created ? clock.GetUtcNow() - new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : TimeSpan.Zero;

    private async Task<List<string>> LastLogLinesAsync(string pod, bool previous, CancellationToken cancel)
    {
        try
        {
            await using var stream = await kubernetes.CoreV1.ReadNamespacedPodLogAsync(pod, ns, previous: previous, tailLines: 20, cancellationToken: cancel).ConfigureAwait(false);
            using var reader = new StreamReader(stream);
            var text = await reader.ReadToEndAsync(cancel).ConfigureAwait(false);
            return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(10).ToList();
        }
        catch (HttpOperationException e)
        {
            return [$"(logs not readable: {(int)e.Response.StatusCode} {e.Response.ReasonPhrase})"];
        }
    }

    private async Task<List<Corev1Event>> EventsAsync(string pod, CancellationToken cancel)
    {
        var list = await kubernetes.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={pod}", cancellationToken: cancel).ConfigureAwait(false);
        return list.Items.OrderBy(e => e.LastTimestamp ?? e.EventTime ?? DateTime.MinValue).ToList();
    }

    private static async Task<T?> OrNull<T>(Func<Task<T>> read) where T : class
    {
        try { return await read().ConfigureAwait(false); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return null; }
    }
}
