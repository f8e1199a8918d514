using k8s.Models;

namespace Persistence.Ops.Tests;

/// <summary>Recorded cluster objects in the shapes the API server returns them: healthy and failing writer pods, events, Deployments.</summary>
public static class ClusterObjects
{
    public const string Ns = "background-persistence";

    public static V1Deployment Deployment(string name, string memoryLimit, int replicas = 1, int ready = 1) => new()
    {
        ApiVersion = "apps/v1", Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = name } },
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "writer", Image = "persistence-writer:test",
                    Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(memoryLimit) } } }] },
            },
        },
        Status = new V1DeploymentStatus { ReadyReplicas = ready, Replicas = replicas },
    };

    private static V1Pod Pod(string writer, string suffix, string phase, V1ContainerStatus status, DateTime? created = null) => new()
    {
        ApiVersion = "v1", Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = $"{writer}-{suffix}", NamespaceProperty = Ns, CreationTimestamp = created ?? DateTime.UtcNow.AddHours(-2),
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = writer, ["app.kubernetes.io/part-of"] = "background-persistence" } },
        Status = new V1PodStatus { Phase = phase, ContainerStatuses = [status] },
    };

    public static V1Pod Running(string writer) =>
        Pod(writer, "7d9f-a", "Running", new V1ContainerStatus { Name = "writer", Image = "i", ImageID = "i", Ready = true, RestartCount = 0,
            State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = DateTime.UtcNow.AddHours(-1) } } });

    public static V1Pod OomKilled(string writer, int restarts) =>
        Pod(writer, "7d9f-b", "Running", new V1ContainerStatus { Name = "writer", Image = "i", ImageID = "i", Ready = false, RestartCount = restarts,
            State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff", Message = "back-off 2m40s restarting failed container" } },
            LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { Reason = "OOMKilled", ExitCode = 137, FinishedAt = DateTime.UtcNow.AddMinutes(-3) } } });

    public static V1Pod CrashLooping(string writer, int exitCode) =>
        Pod(writer, "5c4b-c", "Running", new V1ContainerStatus { Name = "writer", Image = "i", ImageID = "i", Ready = false, RestartCount = 6,
            State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } },
            LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { Reason = "Error", ExitCode = exitCode, FinishedAt = DateTime.UtcNow.AddMinutes(-1) } } });

    public static V1Pod ContainerCreating(string writer, TimeSpan age) =>
        Pod(writer, "9a8b-d", "Pending", new V1ContainerStatus { Name = "writer", Image = "i", ImageID = "", Ready = false,
            State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } } }, DateTime.UtcNow - age);

    public static V1Pod Unschedulable(string writer, string message)
    {
        var pod = Pod(writer, "1e2f-e", "Pending", new V1ContainerStatus { Name = "writer", Image = "i", ImageID = "", Ready = false,
            State = new V1ContainerState() });
        pod.Status.ContainerStatuses = [];
        pod.Status.Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = message }];
        return pod;
    }

    public static Corev1Event Event(string pod, string reason, string message) => new()
    {
        ApiVersion = "v1", Kind = "Event",
        Metadata = new V1ObjectMeta { Name = $"{pod}.{Guid.NewGuid():N}", NamespaceProperty = Ns },
        InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = pod, NamespaceProperty = Ns },
        Reason = reason, Message = message, Type = "Warning", LastTimestamp = DateTime.UtcNow.AddMinutes(-1),
    };
}
