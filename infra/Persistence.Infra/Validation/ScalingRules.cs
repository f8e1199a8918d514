using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>KEDA bounds that make sense for the bus: min ≤ replicas ≤ max, and on Kafka no more consumers than partitions.</summary>
internal static class ScalingRules
{
    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        var kafka = c.Bus.Backend == BusBackend.Kafka;
        foreach (var (w, i) in c.Writers.Select((w, i) => (w, i)))
        {
            if (w.Scaling is not { } s) continue;
            var path = $"{Paths.Writer(i)}.scaling";

            if (s.MinReplicas < 0)
                yield return Error($"{path}.minReplicas", $"must be 0 or more, got {s.MinReplicas}", "1");
            if (s.MaxReplicas < 1)
                yield return Error($"{path}.maxReplicas", $"must be at least 1, got {s.MaxReplicas}", "e.g. 6");
            else if (s.MaxReplicas < s.MinReplicas)
                yield return Error($"{path}.maxReplicas", $"maxReplicas {s.MaxReplicas} is below minReplicas {s.MinReplicas}", $"raise it to at least {s.MinReplicas}");

            // The debugging guide's backlog remedy "raise replicas" does nothing here: the Deployment has no replicas
            // field (the HPA owns it) and KEDA keeps the count between min and max.
            if (w.Replicas is { } replicas)
                yield return Warning($"{Paths.Writer(i)}.replicas",
                    $"ignored: KEDA scales this writer between {path}.minReplicas ({s.MinReplicas}) and {path}.maxReplicas ({s.MaxReplicas}), so replicas {replicas} changes nothing",
                    $"to keep more replicas running, raise the floor: pulumi config set --path '{path}.minReplicas' {Math.Max(replicas, s.MinReplicas)}; then pulumi config rm --path '{Paths.Writer(i)}.replicas'");

            if (kafka && c.Bus.Kafka is { } k && s.MaxReplicas > k.Partitions)
                yield return Warning($"{path}.maxReplicas", $"maxReplicas {s.MaxReplicas} is above the {k.Partitions} partitions of each topic; KEDA never scales a consumer group past its partitions",
                    $"lower it to {k.Partitions} or raise {Paths.Kafka}.partitions");
            if (kafka && s.MinReplicas == 0)
                yield return Warning($"{path}.minReplicas", "scale-to-zero on Kafka: a consumer group that has never committed reports no lag, so the writer may never start",
                    "keep minReplicas at 1 on Kafka");

            if (kafka && s.UndeliveredThreshold is not null)
                yield return Warning($"{path}.undeliveredThreshold", "ignored on Kafka (KEDA scales on consumer-group lag)", $"use {path}.lagThreshold");
            if (!kafka && s.LagThreshold is not null)
                yield return Warning($"{path}.lagThreshold", "ignored on Pub/Sub (KEDA scales on undelivered messages)", $"use {path}.undeliveredThreshold");
            foreach (var (name, value) in new[] { ("lagThreshold", s.LagThreshold), ("undeliveredThreshold", s.UndeliveredThreshold) })
                if (value is < 1)
                    yield return Error($"{path}.{name}", $"must be at least 1, got {value}", $"e.g. {ScalingConfig.DefaultThreshold}");

            if (s.PollingIntervalSeconds < 1)
                yield return Error($"{path}.pollingIntervalSeconds", $"must be at least 1, got {s.PollingIntervalSeconds}", "30");
            if (s.CooldownSeconds < 0)
                yield return Error($"{path}.cooldownSeconds", $"must be 0 or more, got {s.CooldownSeconds}", "300");
        }
    }
}
