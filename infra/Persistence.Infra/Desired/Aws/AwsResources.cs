using System.Text.Json;
using System.Text.Json.Nodes;
using Persistence.Contracts;
using Persistence.Infra.Config;
using Persistence.Infra.Desired.Kubernetes;

namespace Persistence.Infra.Desired.Aws;

/// <summary>
/// AWS side: a customer-managed KMS key, the MSK SCRAM secret (AmazonMSK_..., readable by kafka.amazonaws.com,
/// associated with the cluster) and the store credentials secret, the IRSA role, Kafka topics and the ECR repository.
/// </summary>
public static class AwsResources
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static AwsDesired Build(StackConfig c, Credentials credentials)
    {
        var account = AwsNames.AccountId(c);
        var region = AwsNames.Region(c);
        var kms = KmsKey(c);

        var secrets = new List<AwsSecret>();
        // An existing SASL secret (bus.kafka.useExistingSaslSecret) is neither created, changed nor associated here.
        if (credentials.KafkaSasl && credentials.ExistingSaslSecret is null && c.Bus.Kafka is { SaslSecret: { } saslName } kafka)
        {
            secrets.Add(new AwsSecret(
                "kafka-sasl",
                saslName,
                $"SASL/{kafka.SaslMechanism} credentials of the {c.Namespace} writers (MSK reads it: the name starts with AmazonMSK_)",
                credentials.KafkaSaslFields,
                MskReadPolicy(),
                kafka.SaslMechanism!.StartsWith("SCRAM", StringComparison.OrdinalIgnoreCase) ? kafka.ClusterArn : null));
        }
        if (credentials.StoreFields.Count > 0)
        {
            secrets.Add(new AwsSecret("store-credentials", c.Secrets.Name ?? $"{c.Namespace}-credentials",
                $"Store credentials of the {c.Namespace} writers", credentials.StoreFields, null, null));
        }

        var role = new AwsIrsaRole(
            AwsNames.RoleName(c),
            AwsNames.RoleArn(c),
            $"IRSA role of the {c.Namespace}/{c.ServiceAccount.Name} ServiceAccount (persistence writers)",
            TrustPolicy(c),
            "persistence-writers",
            InlinePolicy(c));

        return new AwsDesired(account, region, kms, secrets, role, KafkaTopics(c),
            AwsNames.IsEcr(c.Images.Registry) ? new AwsEcrRepository(c.Images.Repository, "IMMUTABLE", ScanOnPush: true) : null)
        {
            OnlineTable = AwsOnlineTable.For(c),
        };
    }

    /// <summary>kmsKeyId "alias/x" (or empty) means: create the key under that alias; an id or ARN means: use that key.</summary>
    private static AwsKmsKey KmsKey(StackConfig c)
    {
        var configured = c.Secrets.KmsKeyId;
        var description = $"Encrypts the {c.Namespace} writers' secrets (MSK SCRAM needs a customer-managed key)";
        return configured is null || configured.StartsWith("alias/", StringComparison.Ordinal)
            ? new AwsKmsKey(true, configured ?? $"alias/{c.Namespace}-secrets", null, description, 30)
            : new AwsKmsKey(false, null, configured, description, 30);
    }

    public static IReadOnlyList<KafkaTopic> KafkaTopics(StackConfig c)
    {
        if (c.Bus.Backend != BusBackend.Kafka || c.Bus.Kafka is not { } k) return [];
        var topics = c.Bus.ConfiguredTopics().Select(t => t.Id).Distinct(StringComparer.Ordinal)
            .Select(name => new KafkaTopic(name, k.Partitions, k.ReplicationFactor, k.RetentionHours, false)).ToList();
        // As `topics ensure` creates it: at most 3 partitions, kept two weeks for people to inspect.
        if (c.Bus.DeadLetterTopic is { } dlq)
            topics.Add(new KafkaTopic(dlq, Math.Min(k.Partitions, 3), k.ReplicationFactor, 24 * 14, true));
        return topics;
    }

    private static string MskReadPolicy() => Json(new JsonObject
    {
        ["Version"] = "2012-10-17",
        ["Statement"] = new JsonArray(new JsonObject
        {
            ["Sid"] = "AWSKafkaResourcePolicy",
            ["Effect"] = "Allow",
            ["Principal"] = new JsonObject { ["Service"] = "kafka.amazonaws.com" },
            ["Action"] = "secretsmanager:getSecretValue",
            ["Resource"] = "*",
        }),
    });

    private static string TrustPolicy(StackConfig c)
    {
        var issuer = AwsNames.Issuer(c);
        return Json(new JsonObject
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new JsonArray(new JsonObject
            {
                ["Effect"] = "Allow",
                ["Principal"] = new JsonObject { ["Federated"] = c.ServiceAccount.Aws!.EksOidcProviderArn },
                ["Action"] = "sts:AssumeRoleWithWebIdentity",
                ["Condition"] = new JsonObject
                {
                    ["StringEquals"] = new JsonObject
                    {
                        [$"{issuer}:sub"] = $"system:serviceaccount:{c.Namespace}:{c.ServiceAccount.Name}",
                        [$"{issuer}:aud"] = "sts.amazonaws.com",
                    },
                },
            }),
        });
    }

    /// <summary>
    /// Least privilege: only the upload bucket, for the bulk insert writer, and item writes on the DynamoDB online
    /// table (PutItem, nothing else on it). No Secrets Manager or KMS rights: the writers (and the topics Job) read
    /// their credentials from files mounted from the Kubernetes Secret; MSK reads the SCRAM secret with its own service
    /// principal. Kafka needs no IAM grant either: the writers authenticate with SCRAM, and kafka-cluster:* actions
    /// apply to IAM auth only. Null when nothing is needed (IAM refuses an empty policy).
    /// </summary>
    private static string? InlinePolicy(StackConfig c)
    {
        var statements = new JsonArray();
        if (c.Stores.UploadBucket is { } bucket && bucket.StartsWith("s3://", StringComparison.Ordinal)
            && c.Writers.Any(w => w.Type == WriterType.OFFLINE_STORE_BULK_INSERT_WRITER))
        {
            var path = bucket["s3://".Length..].TrimEnd('/');
            var name = path.Split('/')[0];
            var prefix = path.Length > name.Length ? path[(name.Length + 1)..] + "/" : "";
            statements.Add(new JsonObject
            {
                ["Sid"] = "ListUploadBucket",
                ["Effect"] = "Allow",
                ["Action"] = "s3:ListBucket",
                ["Resource"] = $"arn:aws:s3:::{name}",
            });
            statements.Add(new JsonObject
            {
                ["Sid"] = "ReadUploads",
                ["Effect"] = "Allow",
                ["Action"] = "s3:GetObject",
                ["Resource"] = $"arn:aws:s3:::{name}/{prefix}*",
            });
        }
        if (AwsOnlineTable.For(c) is { } table && c.Writers.Any(w => w.Type == WriterType.ONLINE_WRITER))
        {
            statements.Add(new JsonObject
            {
                ["Sid"] = "WriteOnlineValues",
                ["Effect"] = "Allow",
                ["Action"] = new JsonArray([.. table.WriterActions.Select(a => (JsonNode)a)]),
                ["Resource"] = table.Arn,
            });
        }
        return statements.Count == 0 ? null : Json(new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements });
    }

    private static string Json(JsonNode node) => node.ToJsonString(Indented);
}
