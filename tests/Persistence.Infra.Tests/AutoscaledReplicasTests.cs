using Persistence.Infra.Validation;

namespace Persistence.Infra.Tests;

/// <summary>"Raise replicas" is no remedy for an autoscaled writer: validate says so and names scaling.minReplicas.</summary>
public sealed class AutoscaledReplicasTests
{
    [Fact]
    public void Replicas_on_an_autoscaled_writer_is_a_warning_naming_min_replicas()
    {
        var report = TestStacks.Validate("dev", v => v.Set("writers[0].replicas", 4));

        Assert.False(report.HasErrors);
        var warning = report.Single(Severity.Warning, "persistence:writers[0].replicas");
        Assert.Contains("ignored: KEDA scales this writer", warning.Message);
        Assert.Contains("pulumi config set --path 'persistence:writers[0].scaling.minReplicas' 4", warning.Fix);
        Assert.Contains("pulumi config rm --path 'persistence:writers[0].replicas'", warning.Fix);
        // And the Deployment indeed ignores it: KEDA's HPA owns the count.
        Assert.Null(DesiredStacks.Of("dev", v => v.Set("writers[0].replicas", 4)).Kubernetes.Deployments[0].Spec.Replicas);
    }

    [Fact]
    public void Replicas_on_a_fixed_writer_is_used_and_not_warned_about()
    {
        var report = TestStacks.Validate("dev", v => v.Set("writers[6].replicas", 2));
        Assert.DoesNotContain(report.Problems, p => p.Path.EndsWith(".replicas", StringComparison.Ordinal));
        Assert.Equal(2, DesiredStacks.Of("dev", v => v.Set("writers[6].replicas", 2)).Kubernetes.Deployments[6].Spec.Replicas);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void The_committed_stacks_set_no_ignored_replicas(string stack) =>
        Assert.DoesNotContain(TestStacks.Validate(stack, _ => { }).Problems, p => p.Path.EndsWith(".replicas", StringComparison.Ordinal));

    [Fact]
    public void The_docs_show_the_key_that_works_for_a_backlog()
    {
        var docs = File.ReadAllText(Path.Combine(TestStacks.RepoRoot, "docs", "stack-config.md"));
        Assert.Contains("pulumi config set --path 'persistence:writers[0].scaling.minReplicas'", docs);
        Assert.DoesNotContain("pulumi config set --path 'persistence:writers[0].replicas'", docs);
    }
}
