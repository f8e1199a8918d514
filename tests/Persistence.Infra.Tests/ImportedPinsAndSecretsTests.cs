using System.Text.Json.Nodes;
using Persistence.Infra.Cli;
using Persistence.Infra.Config;
using Persistence.Infra.Config.Loading;
using Persistence.Infra.Import;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Tests;

/// <summary>
/// Importing the guide's spec gives pods that can pull (its version is recorded, not pinned) and references the
/// guide's existing SASL secret instead of creating one; validate warns about a pin no build produces.
/// </summary>
public sealed class ImportedPinsAndSecretsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("import-pins-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string GuideExample => File.ReadAllText(TestStacks.Fixture("installation-guide-example.json"));

    [Fact]
    public void The_guide_version_is_recorded_not_pinned()
    {
        var result = GuideSpecImporter.Convert(GuideExample);
        var config = StackConfigReader.Read(result.Values!).Config!;

        Assert.All(config.Writers, w => Assert.Null(w.Version));
        Assert.Equal(2, result.Notes.Count(n => n.Contains("had version 1.0", StringComparison.Ordinal)));
        var note = Assert.Single(result.Problems, p => p.Path == "spec: writers[0].version");
        Assert.Contains("pulumi config set --path 'persistence:writers[0].version' 1.0", note.Fix);
    }

    [Fact]
    public void The_imported_file_records_the_version_in_its_header()
    {
        var spec = Path.Combine(_dir, "spec.json");
        File.WriteAllText(spec, GuideExample);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        Assert.Equal(0, InfraCli.Run(["import", "--spec", spec, "--stack", "staging", "--dir", _dir], stdout, stderr));
        var yaml = File.ReadAllText(Path.Combine(_dir, "Pulumi.staging.yaml"));
        Assert.Contains("# writers[0] (go-metrics-bus-writer) had version 1.0: recorded here, not pinned", yaml);
        Assert.DoesNotContain("version: ", yaml);
        Assert.DoesNotContain("persistence:writers[0].version: pins", stderr.ToString());
    }

    [Fact]
    public void Validate_warns_about_a_pin_no_build_produces()
    {
        var report = TestStacks.Validate("prod", v => v.Set("writers[2].version", "1.0"));
        var warning = report.Single(Severity.Warning, "persistence:writers[2].version");
        Assert.Contains("ImagePullBackOff", warning.Message);
        Assert.Contains("pulumi config rm --path 'persistence:writers[2].version'", warning.Fix);

        // A tag an earlier build of this stack pushed is fine.
        var earlier = TestStacks.Validate("prod", v => v.Set("writers[2].version", "sha-0123456789ab"));
        Assert.DoesNotContain(earlier.Problems, p => p.Path == "persistence:writers[2].version");

        var images = TestStacks.Validate("dev", v => v.Set("images.tag", "2.3.0"));
        Assert.Contains("must already exist", images.Single(Severity.Warning, "persistence:images.tag").Message);
    }

    [Fact]
    public void Import_references_the_guide_secret_and_needs_no_kms_key_for_it()
    {
        var values = GuideSpecImporter.Convert(GuideExample).Values!;
        Assert.True(values["bus"]!["kafka"]!["useExistingSaslSecret"]!.GetValue<bool>());
        Assert.Null(values["secrets"]!["kmsKeyId"]);
        var report = StackValidator.Run(values);
        Assert.DoesNotContain(report.Problems, p => p.Path == "persistence:secrets.kmsKeyId");
        Assert.DoesNotContain(report.Problems, p => p.Path is "persistence:kafkaSaslUsername" or "persistence:kafkaSaslPassword");
    }

    [Fact]
    public void An_existing_sasl_secret_is_referenced_and_nothing_is_created()
    {
        var state = DesiredStacks.Of("dev", v =>
        {
            v.Set("bus.kafka.useExistingSaslSecret", true);
            v.RemovePath("bus.kafka.clusterArn");
        });

        Assert.DoesNotContain(state.Aws!.Secrets, s => s.Purpose == "kafka-sasl");
        var secret = state.Kubernetes.Secret!;
        Assert.All(secret.JsonFiles.Single().Fields, f => Assert.Equal("AmazonMSK_dev_background_persistence", f.Existing!.SecretName));
        Assert.Equal(["username", "password"], secret.Fields.Where(f => f.Existing is not null).Select(f => f.Existing!.JsonKey));
        Assert.Contains("username=secretsmanager:AmazonMSK_dev_background_persistence#username", secret.Shape.Metadata.Annotations[Desired.Kubernetes.ClusterObjects.SecretSourcesAnnotation]);
        // The writers still mount sasl.json, now filled from the existing secret.
        Assert.Contains(state.Kubernetes.Deployments[0].Spec.Template.Spec.Volumes, v => v.Name == "kafka-sasl");

        var config = StackConfig.FromValues(Edit("dev", v => v.Set("bus.kafka.useExistingSaslSecret", true)));
        Assert.DoesNotContain(RequiredSecrets.For(config), s => s.Key is StackConfigKeys.KafkaSaslUsername or StackConfigKeys.KafkaSaslPassword);
    }

    [Fact]
    public void An_existing_secret_is_not_associated_nor_given_the_stacks_key()
    {
        var report = TestStacks.Validate("dev", v =>
        {
            v.Set("bus.kafka.useExistingSaslSecret", true);
            v.RemovePath("secrets.kmsKeyId");
            v[StackConfigKeys.KafkaSaslPassword] = new JsonObject { ["secure"] = "v1:x" };
        });

        Assert.False(report.HasErrors, string.Join('\n', report.Errors));
        Assert.Contains("associate it once yourself", report.Single(Severity.Warning, "persistence:bus.kafka.clusterArn").Fix);
        Assert.Contains("read from the existing secret", report.Single(Severity.Warning, "persistence:kafkaSaslPassword").Message);
    }

    private static Dictionary<string, JsonNode?> Edit(string stack, Action<Dictionary<string, JsonNode?>> edit)
    {
        var values = TestStacks.Values(stack);
        edit(values);
        return values;
    }
}
