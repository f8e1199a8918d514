using k8s;
using Persistence.Infra.Desired.Kubernetes;

namespace Persistence.Infra.Tests;

/// <summary>
/// The Kafka topics Job: named by a hash of its whole spec (so a partition or retention change runs a new Job and an
/// unchanged spec does not), cleaned up after it finishes, retried a bounded number of times, replaced by the next
/// `pulumi up` when it failed, and applied before the writers.
/// </summary>
public sealed class KafkaTopicsJobTests
{
    private static k8s.Models.V1Job Job(Action<Dictionary<string, System.Text.Json.Nodes.JsonNode?>>? edit = null) =>
        DesiredStacks.Of("dev", edit).Kubernetes.TopicsJob!;

    [Fact]
    public void The_job_name_is_a_hash_of_its_spec_so_raising_partitions_or_retention_runs_a_new_job()
    {
        var job = Job();
        Assert.Equal(job.Metadata.Name, Job().Metadata.Name);
        Assert.Matches("^kafka-topics-[0-9a-f]{10}$", job.Metadata.Name);

        var morePartitions = Job(v => v.Set("bus.kafka.partitions", 12));
        var longerRetention = Job(v => v.Set("bus.kafka.retentionHours", 336));
        Assert.NotEqual(job.Metadata.Name, morePartitions.Metadata.Name);
        Assert.NotEqual(job.Metadata.Name, longerRetention.Metadata.Name);
        Assert.NotEqual(morePartitions.Metadata.Name, longerRetention.Metadata.Name);
        var args = morePartitions.Spec.Template.Spec.Containers[0].Args;
        Assert.Equal("12", args[args.IndexOf("--partitions") + 1]);
        Assert.Equal("336", longerRetention.Spec.Template.Spec.Containers[0].Args[args.IndexOf("--retention-hours") + 1]);

        // The name covers every field of the spec, not only the arguments.
        var hashed = KubernetesYaml.Serialize(job.Spec);
        Assert.Equal(job.Metadata.Name, "kafka-topics-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(hashed)))[..10]);
    }

    [Fact]
    public void A_finished_job_is_cleaned_up_retries_are_bounded_a_refused_spec_is_not_retried_and_a_failed_job_is_replaced()
    {
        var job = Job();

        Assert.Equal(ClusterObjects.TopicsJobTtlSeconds, job.Spec.TtlSecondsAfterFinished);
        Assert.Equal(ClusterObjects.TopicsJobBackoffLimit, job.Spec.BackoffLimit);
        Assert.InRange(job.Spec.BackoffLimit!.Value, 1, 6);
        // Within pulumi-kubernetes's default 10 minutes of waiting for the Job.
        Assert.InRange(job.Spec.ActiveDeadlineSeconds!.Value, 60, 599);
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
        var rule = Assert.Single(job.Spec.PodFailurePolicy.Rules);
        Assert.Equal(("FailJob", "topics", "In"), (rule.Action, rule.OnExitCodes.ContainerName, rule.OnExitCodes.OperatorProperty));
        Assert.Equal([3], rule.OnExitCodes.Values);
        Assert.Equal("topics", job.Spec.Template.Spec.Containers[0].Name);
        Assert.Equal("true", job.Metadata.Annotations[ClusterObjects.ReplaceUnreadyAnnotation]);
    }

    [Fact]
    public void The_writers_are_applied_after_the_job_and_the_job_after_its_service_account()
    {
        var k8s = DesiredStacks.Of("dev").Kubernetes;

        var stages = k8s.ApplyStages.Select(s => s.Stage).ToList();
        int StageOf(string obj) => stages.IndexOf(k8s.ApplyStages.Single(s => s.Objects.Contains(obj)).Stage);
        var job = StageOf($"Job/{k8s.TopicsJob!.Metadata.Name}");
        Assert.True(StageOf($"ServiceAccount/{k8s.ServiceAccount.Metadata.Name}") < job);
        Assert.All(k8s.Deployments, d => Assert.True(StageOf($"Deployment/{d.Metadata.Name}") > job, d.Metadata.Name));

        // The host applies them as separate groups: the Job alone, and the writers without it.
        Assert.Equal("Job", Assert.Single(KubernetesYaml.LoadAllFromString(k8s.TopicsJobYaml!)).GetType().Name[2..]);
        Assert.DoesNotContain("kind: Job", k8s.WorkloadYaml);
        Assert.DoesNotContain("kind: ServiceAccount", k8s.WorkloadYaml);
        Assert.Contains("kind: Deployment", k8s.WorkloadYaml);

        // And render shows the order.
        var md = Persistence.Infra.Rendering.ApplyOrder.Markdown(k8s);
        Assert.True(md.IndexOf($"`Job/{k8s.TopicsJob.Metadata.Name}`", StringComparison.Ordinal) < md.IndexOf("`Deployment/", StringComparison.Ordinal));
    }
}
