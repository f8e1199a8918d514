using System.Text.Json.Nodes;
using k8s;
using Persistence.Infra.Desired;
using Persistence.Infra.Desired.Keda;
using Persistence.Infra.Desired.Kubernetes;
using Persistence.Infra.Tests.Keda;

namespace Persistence.Infra.Tests;

public class KedaTests
{
    /// <summary>KEDA's CRDs and the scaler key table live beside the repository (../shared/schemas/keda).</summary>
    private static string SchemaDirectory()
    {
        var dir = Path.GetFullPath(Path.Combine(TestStacks.RepoRoot, "..", "shared", "schemas", "keda"));
        if (!File.Exists(Path.Combine(dir, "keda.sh_scaledobjects.yaml")))
            Assert.Skip($"KEDA CRDs not found at {dir}; they ship beside the repository in ../shared/schemas/keda");
        return dir;
    }

    private static JsonNode Json(object o) => JsonNode.Parse(KubernetesJson.Serialize(o))!;

    /// <summary>scaler -> key -> where KEDA reads it ("triggerMetadata", "authParams", "resolvedEnv").</summary>
    private static Dictionary<string, Dictionary<string, HashSet<string>>> ScalerKeys()
    {
        var table = JsonNode.Parse(File.ReadAllText(Path.Combine(SchemaDirectory(), "scaler-metadata.json")))!.AsObject();
        return table.Where(s => s.Key is "kafka" or "prometheus").ToDictionary(
            s => s.Key,
            s => s.Value!.AsObject().ToDictionary(k => k.Key, k => k.Value!["order"]!.GetValue<string>().Split(';').ToHashSet()));
    }

    private static HashSet<string> Required(string scaler)
    {
        var table = JsonNode.Parse(File.ReadAllText(Path.Combine(SchemaDirectory(), "scaler-metadata.json")))!;
        return table[scaler]!.AsObject().Where(k => k.Value!["required"]?.GetValue<bool>() == true).Select(k => k.Key).ToHashSet();
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Every_keda_object_validates_against_the_crds(string stack)
    {
        var dir = SchemaDirectory();
        var validator = CrdSchemaValidator.FromFiles(Directory.EnumerateFiles(dir, "keda.sh_*.yaml"));
        var k8s = DesiredStacks.Of(stack).Kubernetes;

        Assert.NotEmpty(k8s.ScaledObjects);
        foreach (var o in k8s.ScaledObjects.Cast<object>().Concat(k8s.TriggerAuthentications))
        {
            var errors = validator.Validate(Json(o));
            Assert.True(errors.Count == 0, $"{o.GetType().Name}: {string.Join("; ", errors)}");
        }
        // The CRD's one CEL rule, which JSON Schema cannot express.
        Assert.All(k8s.ScaledObjects, s => Assert.True(s.Spec.MinReplicaCount <= s.Spec.MaxReplicaCount));
    }

    [Fact]
    public void The_validator_catches_what_the_api_server_would_refuse()
    {
        var validator = CrdSchemaValidator.FromFiles(Directory.EnumerateFiles(SchemaDirectory(), "keda.sh_*.yaml"));
        var scaled = Json(DesiredStacks.Of("dev").Kubernetes.ScaledObjects[0]);
        scaled["spec"]!["minReplicas"] = 1;                     // the field is minReplicaCount
        scaled["spec"]!["pollingInterval"] = "15";              // an integer
        scaled["spec"]!.AsObject().Remove("triggers");

        var errors = validator.Validate(scaled);

        Assert.Contains("spec.minReplicas: unknown field (the CRD does not define it)", errors);
        Assert.Contains("spec.pollingInterval: must be an integer", errors);
        Assert.Contains("spec.triggers: required", errors);
    }

    [Fact]
    public void The_validator_names_every_problem_by_its_path_once()
    {
        var validator = CrdSchemaValidator.FromFiles(Directory.EnumerateFiles(SchemaDirectory(), "keda.sh_*.yaml"));
        var scaled = Json(DesiredStacks.Of("dev").Kubernetes.ScaledObjects[0]);
        var spec = scaled["spec"]!;
        spec["maxReplicaCount"] = 0;                                               // minimum: 1
        spec["cooldownPeriod"] = null;                                             // not nullable
        spec["fallback"] = new JsonObject { ["behavior"] = "sometimes", ["replicas"] = 1 };
        spec["triggers"]![0]!.AsObject().Remove("type");                           // required inside an array item
        spec["triggers"]![0]!["metadata"]!["lagThreshold"] = 5;                    // a map of strings
        spec["advanced"] = JsonNode.Parse("""{"horizontalPodAutoscalerConfig":{"behavior":{"scaleUp":{"tolerance":true}}}}""");

        var errors = validator.Validate(scaled);

        Assert.Equal(new[]
        {
            "spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.tolerance: must be an integer or a string",
            "spec.cooldownPeriod: null is not allowed",
            "spec.fallback.behavior: 'sometimes' is not one of static, currentReplicas, currentReplicasIfHigher, currentReplicasIfLower, scalingModifiers",
            "spec.fallback.failureThreshold: required",
            "spec.maxReplicaCount: must be >= 1",
            "spec.triggers[0].metadata.lagThreshold: must be a string",
            "spec.triggers[0].type: required",
        }, errors.Order(StringComparer.Ordinal));
        Assert.Empty(validator.Validate(Json(DesiredStacks.Of("dev").Kubernetes.ScaledObjects[0])));
    }

    [Theory]
    [InlineData("dev", "kafka")]
    [InlineData("prod", "prometheus")]
    public void Triggers_use_only_keys_the_scaler_reads_from_trigger_metadata(string stack, string scaler)
    {
        var keys = ScalerKeys()[scaler];
        var required = Required(scaler);
        foreach (var so in DesiredStacks.Of(stack).Kubernetes.ScaledObjects)
        {
            var trigger = Assert.Single(so.Spec.Triggers);
            Assert.Equal(scaler, trigger.Type);
            foreach (var key in trigger.Metadata.Keys)
            {
                Assert.True(keys.ContainsKey(key), $"{so.Metadata.Name}: {scaler} does not read '{key}'");
                Assert.True(keys[key].Contains("triggerMetadata"), $"{so.Metadata.Name}: '{key}' is read from authParams only; move it to the TriggerAuthentication");
            }
            Assert.Subset(trigger.Metadata.Keys.ToHashSet(), required);
            Assert.Equal(KedaScaling.TriggerAuthenticationName(DesiredStacks.Config(stack).Writers.Single(w => w.Name == so.Metadata.Name)), trigger.AuthenticationRef!.Name);
            Assert.Equal(("apps/v1", "Deployment", so.Metadata.Name), (so.Spec.ScaleTargetRef.ApiVersion, so.Spec.ScaleTargetRef.Kind, so.Spec.ScaleTargetRef.Name));
        }
    }

    [Fact]
    public void Kafka_trigger_follows_the_writers_consumer_group_and_sasl()
    {
        var state = DesiredStacks.Of("dev");
        var keys = ScalerKeys()["kafka"];
        var config = DesiredStacks.Config("dev");
        foreach (var so in state.Kubernetes.ScaledObjects)
        {
            var writer = config.Writers.Single(w => w.Name == so.Metadata.Name);
            var m = so.Spec.Triggers[0].Metadata;
            Assert.Equal(writer.Name, m["consumerGroup"]);        // KafkaBusOptions: no ConsumerGroup set -> the writer name
            Assert.Equal(writer.Scaling!.LagThreshold.ToString(), m["lagThreshold"]);
            Assert.Equal(string.Join(',', config.Bus.Kafka!.BootstrapServers), m["bootstrapServers"]);
            Assert.Equal(("scram_sha512", "enable", "earliest"), (m["sasl"], m["tls"], m["offsetResetPolicy"]));
        }

        foreach (var auth in state.Kubernetes.TriggerAuthentications)
        {
            Assert.Null(auth.Spec.PodIdentity);
            Assert.Equal(["username", "password"], auth.Spec.SecretTargetRef!.Select(r => r.Parameter));
            Assert.All(auth.Spec.SecretTargetRef!, r =>
            {
                Assert.Contains("authParams", keys[r.Parameter]);
                Assert.Equal(Credentials.SecretName, r.Name);
                Assert.Contains(r.Key, state.Kubernetes.Secret!.Keys);
            });
        }
    }

    [Fact]
    public void Prometheus_trigger_reads_undelivered_messages_from_cloud_monitoring()
    {
        var state = DesiredStacks.Of("prod");
        foreach (var so in state.Kubernetes.ScaledObjects)
        {
            var sub = state.Gcp!.Subscriptions.Single(s => s.Writer == so.Metadata.Name).Name;
            var m = so.Spec.Triggers[0].Metadata;
            Assert.Equal("https://monitoring.googleapis.com/v1/projects/acme-features-prod/location/global/prometheus", m["serverAddress"]);
            Assert.Equal($"sum(pubsub_googleapis_com:subscription_num_undelivered_messages{{monitored_resource=\"pubsub_subscription\",project_id=\"acme-features-prod\",subscription_id=\"{sub}\"}})", m["query"]);
            Assert.True(int.Parse(m["threshold"]) > 0);
        }
        Assert.All(state.Kubernetes.TriggerAuthentications, a =>
        {
            Assert.Equal("gcp", a.Spec.PodIdentity!.Provider);
            Assert.Null(a.Spec.SecretTargetRef);
        });
        // Scale to zero is allowed on Pub/Sub (the query mirror in prod).
        Assert.Equal(0, state.Kubernetes.ScaledObjects.Single(s => s.Metadata.Name == "query-mirror-consumer").Spec.MinReplicaCount);
    }

    [Theory]
    [InlineData("SCRAM-SHA-512", "scram_sha512")]
    [InlineData("SCRAM-SHA-256", "scram_sha256")]
    [InlineData("PLAIN", "plaintext")]
    public void Sasl_mechanisms_are_spelled_as_keda_wants(string mechanism, string keda)
    {
        Assert.Equal(keda, KedaScaling.KedaSasl(mechanism));
        var enumValues = JsonNode.Parse(File.ReadAllText(Path.Combine(SchemaDirectory(), "scaler-metadata.json")))!["kafka"]!["sasl"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>());
        Assert.Contains(keda, enumValues);
    }
}
