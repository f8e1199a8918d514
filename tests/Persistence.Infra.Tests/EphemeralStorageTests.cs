namespace Persistence.Infra.Tests;

/// <summary>The bulk insert writer's ephemeral-storage request and limit cover all its emptyDirs (tmp, data, spool).</summary>
public sealed class EphemeralStorageTests
{
    [Theory]
    [InlineData(null, "11328Mi")]     // 64Mi + 1Gi + 10Gi
    [InlineData("20Gi", "21568Mi")]   // 64Mi + 1Gi + 20Gi
    public void Request_and_limit_are_the_sum_of_the_volumes(string? spoolSize, string expected)
    {
        var state = DesiredStacks.Of("dev", v => { if (spoolSize is not null) v.Set("writers[3].spoolSize", spoolSize); });
        var deployment = state.Kubernetes.Deployments.Single(d => d.Metadata.Name == "offline-store-bulk-insert-writer");
        var container = deployment.Spec.Template.Spec.Containers[0];

        Assert.Equal(expected, container.Resources.Requests["ephemeral-storage"].ToString());
        Assert.Equal(expected, container.Resources.Limits["ephemeral-storage"].ToString());
        var sizes = deployment.Spec.Template.Spec.Volumes.Where(v => v.EmptyDir is not null).Select(v => v.EmptyDir.SizeLimit.ToDecimal()).Sum();
        Assert.Equal(container.Resources.Limits["ephemeral-storage"].ToDecimal(), sizes);
    }

    [Fact]
    public void Other_writers_keep_no_ephemeral_storage_request()
    {
        var deployments = DesiredStacks.Of("prod").Kubernetes.Deployments.Where(d => d.Metadata.Name != "offline-store-bulk-insert-writer");
        Assert.All(deployments, d => Assert.False(d.Spec.Template.Spec.Containers[0].Resources.Requests.ContainsKey("ephemeral-storage")));
    }
}
