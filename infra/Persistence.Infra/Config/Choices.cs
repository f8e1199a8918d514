namespace Persistence.Infra.Config;

// Config spelling is case-insensitive ("aws", "AWS"); the installation guide's upper-case names are accepted.

public enum CloudProvider { Aws, Gcp }

/// <summary>The bus technology: Kafka (Amazon MSK) on AWS, Google Pub/Sub on GCP.</summary>
public enum BusBackend { Kafka, PubSub }

/// <summary>Where the writers' cloud secret lives: AWS Secrets Manager or GCP Secret Manager.</summary>
public enum SecretClient { Aws, Gcp }

public enum OfflineStoreKind { Postgres, Snowflake, Redshift, Databricks, BigQuery }

public static class ChoiceExtensions
{
    public static CloudProvider Cloud(this BusBackend backend) =>
        backend == BusBackend.Kafka ? CloudProvider.Aws : CloudProvider.Gcp;

    public static CloudProvider Cloud(this SecretClient client) =>
        client == SecretClient.Aws ? CloudProvider.Aws : CloudProvider.Gcp;
}
