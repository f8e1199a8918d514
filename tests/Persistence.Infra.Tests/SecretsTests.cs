using System.Text.Json;
using Persistence.Infra.Cli;
using Persistence.Infra.Config;

namespace Persistence.Infra.Tests;

/// <summary>Secret values (and their ciphertext) reach no rendered file, no output line and no desired-state record.</summary>
public sealed class SecretsTests : IDisposable
{
    private const string PlainSentinel = "PLAINTEXT-SENTINEL-7f3a91";
    private const string CipherSentinel = "v1:Q0lQSEVSVEVYVC1TRU5USU5FTC03ZjNhOTE=";
    private readonly string _checkout = Directory.CreateTempSubdirectory("secrets-tests-").FullName;

    public void Dispose() => Directory.Delete(_checkout, recursive: true);

    /// <summary>A checkout whose stack file carries every secret key as a secure leaf, with writers/ linked in.</summary>
    private void PrepareCheckout(string stack)
    {
        var yaml = File.ReadAllText(TestStacks.StackPath(stack)).TrimEnd('\n') + "\n" + string.Concat(
            StackConfigKeys.Secrets.Select((key, i) => $"  persistence:{key}:\n    secure: {CipherSentinel}{i}\n"));
        File.WriteAllText(Path.Combine(_checkout, $"Pulumi.{stack}.yaml"), yaml);
        var writers = Path.Combine(_checkout, "writers");
        if (!Directory.Exists(writers)) Directory.CreateSymbolicLink(writers, Path.Combine(TestStacks.RepoRoot, "writers"));
    }

    private static void AssertClean(string text, string where)
    {
        Assert.False(text.Contains(PlainSentinel, StringComparison.Ordinal), $"the secret value leaked into {where}");
        Assert.False(text.Contains("Q0lQSEVSVEVYVC1TRU5USU5FTC03ZjNhOTE", StringComparison.Ordinal), $"the ciphertext leaked into {where}");
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void No_secret_reaches_render_output(string stack)
    {
        PrepareCheckout(stack);
        // Where else a value could come from: the Pulumi engine's config variable and the writer's own env keys.
        var variables = new[] { "PULUMI_CONFIG", "Bus__Kafka__SaslPassword", "Bus__Kafka__SaslUsername", "Stores__Redis__Connection" };
        var saved = variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("PULUMI_CONFIG", $$"""{"persistence:kafkaSaslPassword":"{{PlainSentinel}}","persistence:postgresPassword":"{{PlainSentinel}}"}""");
            foreach (var v in variables.Skip(1)) Environment.SetEnvironmentVariable(v, PlainSentinel);

            var outDir = Path.Combine(_checkout, "out");
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            var code = InfraCli.Run(["render", "--stack", stack, "--out", outDir, "--dir", _checkout], stdout, stderr);

            Assert.True(code == 0, stderr.ToString());
            AssertClean(stdout.ToString(), "stdout");
            AssertClean(stderr.ToString(), "stderr");
            var files = Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories).ToList();
            Assert.NotEmpty(files);
            foreach (var file in files) AssertClean(File.ReadAllText(file), file);

            // The secrets were seen as set (no "secret not set" warning), yet only their key names were rendered.
            Assert.DoesNotContain("secret not set", stdout.ToString());
            Assert.Contains("persistence:postgresPassword", File.ReadAllText(Path.Combine(outDir, "kubernetes", "secret-persistence-writer-credentials.yaml")));
        }
        finally
        {
            foreach (var (v, value) in saved) Environment.SetEnvironmentVariable(v, value);
        }
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void The_desired_state_holds_config_keys_never_values(string stack)
    {
        var state = DesiredStacks.Of(stack, values =>
        {
            foreach (var key in StackConfigKeys.Secrets) values[key] = new System.Text.Json.Nodes.JsonObject { ["secure"] = CipherSentinel };
        });

        var everything = string.Join("\n", state.Kubernetes.Objects.Select(o => o.Yaml))
            + k8s.KubernetesYaml.Serialize(state.Kubernetes.Secret!.Shape)
            + JsonSerializer.Serialize(state.Aws) + JsonSerializer.Serialize(state.Gcp) + JsonSerializer.Serialize(state.Outputs);
        AssertClean(everything, "the desired state");
        Assert.Null(state.Kubernetes.Secret.Shape.Data);
        Assert.Null(state.Kubernetes.Secret.Shape.StringData);

        // Redis AUTH, when set, reaches pods as a reference the kubelet resolves, not as a value.
        if (stack == "prod")
        {
            var online = state.Kubernetes.Deployments.Single(d => d.Metadata.Name == "result-bus-online-writer").Spec.Template.Spec.Containers[0].Env;
            Assert.Equal("10.42.0.5:6378,ssl=true,password=$(REDIS_PASSWORD)", online.Single(e => e.Name == "Stores__Redis__Connection").Value);
            var reference = online.Single(e => e.Name == "REDIS_PASSWORD");
            Assert.Null(reference.Value);
            Assert.Equal(("persistence-writer-credentials", "redis-password"), (reference.ValueFrom.SecretKeyRef.Name, reference.ValueFrom.SecretKeyRef.Key));
            Assert.True(online.IndexOf(reference) < online.IndexOf(online.Single(e => e.Name == "Stores__Redis__Connection")),
                "$(VAR) expands only variables defined earlier in the list");
        }
    }
}
