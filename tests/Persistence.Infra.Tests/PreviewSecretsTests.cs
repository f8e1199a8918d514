using System.Text.Json.Nodes;
using Persistence.Infra.Config;
using Persistence.Infra.Desired;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Tests;

/// <summary>
/// `pulumi preview` must not fail where `validate` passes: every secret config key the host fills a resource from is
/// either set or named by validate (a warning, with the exact `pulumi config set --secret` command), and only
/// `pulumi up` refuses to run without it.
/// </summary>
public sealed class PreviewSecretsTests
{
    /// <summary>Every secret config key the host reads while building resources (what StackSecrets.Value is called with).</summary>
    private static IEnumerable<string> KeysTheHostReads(DesiredState state) =>
        (state.Kubernetes.Secret is { } k ? k.Fields.Concat(k.JsonFiles.SelectMany(j => j.Fields)) : [])
            .Concat(state.Aws?.Secrets.SelectMany(s => s.Fields) ?? [])
            .Concat(state.Gcp?.Secret?.Fields ?? [])
            .Where(f => f.Existing is null)
            .Select(f => f.ConfigKey)
            .Distinct();

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Validate_names_every_secret_the_preview_reads(string stack)
    {
        var report = StackValidator.RunFile(TestStacks.StackPath(stack));
        Assert.False(report.HasErrors);
        var config = report.Config!;

        foreach (var key in KeysTheHostReads(DesiredStacks.Of(stack)).Where(k => !config.SecretKeysSet.Contains(k)))
        {
            var warning = report.Single(Severity.Warning, StackConfigKeys.Qualified(key));
            Assert.Contains("pulumi preview runs without it", warning.Message);
            Assert.Contains("pulumi up stops until it is set", warning.Message);
            Assert.StartsWith($"pulumi config set --secret persistence:{key} <value> -s {stack}", warning.Fix);
            Assert.Contains($"Pulumi.{stack}.yaml", warning.Fix);
        }
        Assert.Equal(KeysTheHostReads(DesiredStacks.Of(stack)).Order(StringComparer.Ordinal),
            RequiredSecrets.For(config).Select(s => s.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Up_stops_on_each_missing_secret_with_its_command_and_runs_once_they_are_set()
    {
        var config = DesiredStacks.Config("dev");
        var errors = RequiredSecrets.ForUp(config, "dev");
        Assert.Equal(["persistence:kafkaSaslUsername", "persistence:kafkaSaslPassword", "persistence:postgresPassword"], errors.Select(e => e.Path));
        Assert.All(errors, e => Assert.True(e.IsError));
        Assert.Equal("pulumi config set --secret persistence:postgresPassword <value> -s dev", errors[2].Fix);

        var values = TestStacks.Values("dev");
        foreach (var key in new[] { StackConfigKeys.KafkaSaslUsername, StackConfigKeys.KafkaSaslPassword, StackConfigKeys.PostgresPassword })
            values[key] = new JsonObject { ["secure"] = "v1:ciphertext" };
        Assert.Empty(RequiredSecrets.ForUp(StackConfig.FromValues(values), "dev"));
    }

    [Fact]
    public void The_host_never_requires_a_secret_while_building_resources()
    {
        // RequireSecret throws "Missing required configuration variable" during a preview, where validate only warned.
        var host = Path.Combine(TestStacks.RepoRoot, "infra", "Persistence.Infra.Pulumi");
        var calls = Directory.EnumerateFiles(host, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains(".RequireSecret(", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(host, f)).ToList();
        Assert.Empty(calls);
        var validated = File.ReadAllText(Path.Combine(host, "Hosting", "ValidatedConfig.cs"));
        Assert.Contains("RequiredSecrets.ForUp", validated);
        Assert.Contains("IsDryRun", validated);
    }

    [Fact]
    public void The_docs_say_how_secrets_reach_a_pull_request_preview()
    {
        var docs = File.ReadAllText(Path.Combine(TestStacks.RepoRoot, "docs", "pulumi-host.md"));
        Assert.Contains("secrets provider", docs);
        Assert.Contains("Pulumi ESC", docs);
    }
}
