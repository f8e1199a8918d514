using System.Text.Json.Nodes;
using Persistence.Infra.Rendering;

namespace Persistence.Infra.Tests;

/// <summary>
/// The writers read every credential from files mounted from the Kubernetes Secret, so their cloud identities get no
/// secret or KMS rights, and the Deployments carry no setting that no writer reads.
/// </summary>
public sealed class LeastPrivilegeTests
{
    private static List<JsonNode> Statements(string policyJson) => [.. JsonNode.Parse(policyJson)!["Statement"]!.AsArray().Select(s => s!)];

    private static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(x => x!.GetValue<string>()) : [node!.GetValue<string>()];

    [Fact]
    public void The_irsa_role_reads_the_upload_bucket_and_nothing_else()
    {
        var aws = DesiredStacks.Of("dev").Aws!;
        var statements = Statements(aws.Role.InlinePolicyJson!);
        var actions = statements.SelectMany(s => Strings(s["Action"])).ToList();
        var resources = statements.SelectMany(s => Strings(s["Resource"])).ToList();

        Assert.Equal(["s3:ListBucket", "s3:GetObject"], actions);
        Assert.DoesNotContain(actions, a => a.StartsWith("secretsmanager:", StringComparison.Ordinal) || a.StartsWith("kms:", StringComparison.Ordinal));
        Assert.Equal(["arn:aws:s3:::dev-feature-store-offline-uploads", "arn:aws:s3:::dev-feature-store-offline-uploads/*"], resources);
    }

    [Fact]
    public void Without_the_bulk_insert_writer_the_role_has_no_inline_policy()
    {
        // Only writers that need no AWS rights (an offline pipeline without the bulk writer would not validate).
        var onlineOnly = DesiredStacks.Of("dev", v =>
            v["writers"] = new JsonArray(v["writers"]!.AsArray().Where(w => w!["type"]!.GetValue<string>() == "ONLINE_WRITER").Select(w => w!.DeepClone()).ToArray()));
        Assert.Null(onlineOnly.Aws!.Role.InlinePolicyJson);
        Assert.Contains("no inline policy", CloudSummary.Markdown(onlineOnly));
    }

    [Fact]
    public void The_google_service_account_gets_no_secret_accessor()
    {
        var gcp = DesiredStacks.Of("prod").Gcp!;
        var roles = gcp.TopicGrants.Select(g => g.Role).Concat(gcp.SubscriptionGrants.Select(g => g.Role))
            .Concat(gcp.ProjectGrants.Select(g => g.Role)).Concat(gcp.BucketGrants.Select(g => g.Role));

        Assert.DoesNotContain(roles, r => r.StartsWith("roles/secretmanager.", StringComparison.Ordinal));
        Assert.NotNull(gcp.Secret);
        Assert.DoesNotContain("secretAccessor", CloudSummary.Markdown(DesiredStacks.Of("prod")));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void No_writer_gets_a_setting_that_no_writer_reads(string stack)
    {
        var names = DesiredStacks.Of(stack).Kubernetes.Deployments
            .SelectMany(d => d.Spec.Template.Spec.Containers[0].Env).Select(e => e.Name).ToHashSet();

        Assert.DoesNotContain("Stores__MetadataProvider", names);
        Assert.DoesNotContain("Stores__SnowflakeStorageIntegration", names);
        Assert.Contains("Stores__Cloud", names);
    }
}
