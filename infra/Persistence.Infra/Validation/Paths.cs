namespace Persistence.Infra.Validation;

/// <summary>Key paths as `pulumi config set --path` takes them.</summary>
internal static class Paths
{
    public const string Cloud = "persistence:cloud";
    public const string Namespace = "persistence:namespace";
    public const string ServiceAccount = "persistence:serviceAccount";
    public const string Secrets = "persistence:secrets";
    public const string Bus = "persistence:bus";
    public const string Kafka = "persistence:bus.kafka";
    public const string PubSub = "persistence:bus.pubsub";
    public const string Stores = "persistence:stores";
    public const string Images = "persistence:images";
    public const string Writers = "persistence:writers";
    public const string Keda = "persistence:keda";

    public static string Writer(int index) => $"{Writers}[{index}]";
}
