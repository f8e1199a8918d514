using System.Text.Json.Nodes;
using Persistence.Infra.Desired.Gcp;
using Persistence.Infra.Rendering;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Tests;

/// <summary>
/// What GCP would refuse in the first week: bulk loads without a read grant on the upload bucket, subscriptions that
/// expire after 31 idle days, and a KEDA identity that is not the one KEDA runs as.
/// </summary>
public sealed class GcpGrantsTests
{
    [Fact]
    public void The_writers_account_may_read_the_upload_bucket_and_render_shows_it()
    {
        var state = DesiredStacks.Of("prod");
        var gcp = state.Gcp!;

        var grant = Assert.Single(gcp.BucketGrants);
        Assert.Equal(("acme-features-prod-offline-uploads", "roles/storage.objectViewer", gcp.ServiceAccount.Member),
            (grant.Bucket, grant.Role, grant.Member));
        Assert.Contains("| bucket `gs://acme-features-prod-offline-uploads` | `roles/storage.objectViewer` | `serviceAccount:bg-persistence-writers@acme-features-prod.iam.gserviceaccount.com` |",
            CloudSummary.Markdown(state));
    }

    [Fact]
    public void A_bucket_with_a_prefix_is_granted_by_its_name()
    {
        var gcp = DesiredStacks.Of("prod", v => v.Set("stores.uploadBucket", "gs://shared-uploads/features/prod")).Gcp!;
        Assert.Equal("shared-uploads", Assert.Single(gcp.BucketGrants).Bucket);
    }

    [Fact]
    public void Every_subscription_the_stack_owns_never_expires()
    {
        var state = DesiredStacks.Of("prod");
        var subscriptions = state.Gcp!.Subscriptions;

        Assert.Equal(9, subscriptions.Count);
        Assert.All(subscriptions, s => Assert.Equal("", s.ExpirationTtl));
        Assert.Contains(subscriptions, s => s.Writer is null);   // the DLQ hold subscription, never pulled by design
        var summary = CloudSummary.Markdown(state);
        Assert.Equal(9, summary.Split('\n').Count(l => l.StartsWith("| `", StringComparison.Ordinal) && l.TrimEnd().EndsWith("| never |", StringComparison.Ordinal)));
    }

    [Fact]
    public void Keda_reads_monitoring_as_its_kubernetes_service_account_by_default()
    {
        var grant = Assert.Single(DesiredStacks.Of("prod").Gcp!.ProjectGrants);
        Assert.Equal("roles/monitoring.viewer", grant.Role);
        Assert.Equal("principal://iam.googleapis.com/projects/482910375516/locations/global/workloadIdentityPools/acme-features-prod.svc.id.goog/subject/ns/keda/sa/keda-operator", grant.Member);

        var custom = DesiredStacks.Of("prod", v => v["keda"] = new JsonObject { ["namespace"] = "autoscaling", ["serviceAccount"] = "keda" }).Gcp!;
        Assert.EndsWith("/subject/ns/autoscaling/sa/keda", Assert.Single(custom.ProjectGrants).Member);
    }

    [Fact]
    public void Keda_with_a_google_service_account_gets_the_grant_as_that_account()
    {
        var gcp = DesiredStacks.Of("prod", v => v["keda"] = new JsonObject { ["googleServiceAccount"] = "keda-operator@acme-features-prod.iam.gserviceaccount.com" }).Gcp!;
        Assert.Equal("serviceAccount:keda-operator@acme-features-prod.iam.gserviceaccount.com", Assert.Single(gcp.ProjectGrants).Member);
    }

    [Fact]
    public void Keda_identity_is_validated()
    {
        var report = TestStacks.Validate("prod", v => v["keda"] = new JsonObject
        {
            ["namespace"] = "KEDA",
            ["googleServiceAccount"] = "keda-operator@acme-features-prod",
        });
        Assert.Contains("not a Kubernetes namespace", report.Single(Severity.Error, "persistence:keda.namespace").Message);
        var email = report.Single(Severity.Error, "persistence:keda.googleServiceAccount");
        Assert.Contains("not a Google service account email", email.Message);
        Assert.Contains("iam.gke.io/gcp-service-account", email.Fix);

        var typo = TestStacks.Validate("prod", v => v["keda"] = new JsonObject { ["serviceAcount"] = "keda" });
        Assert.Contains("serviceAccount", typo.Single(Severity.Error, "persistence:keda.serviceAcount").Message);

        var onAws = TestStacks.Validate("dev", v => v["keda"] = new JsonObject { ["namespace"] = "autoscaling" });
        Assert.Contains("ignored on aws", onAws.Single(Severity.Warning, "persistence:keda").Message);
    }
}
