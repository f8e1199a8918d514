using System.Text;
using Persistence.Infra.Desired;
using Persistence.Infra.Desired.Gcp;

namespace Persistence.Infra.Rendering;

/// <summary>A Markdown summary of the cloud resources, for reviewers: names, settings, grants and policies.</summary>
public static class CloudSummary
{
    public static string Markdown(DesiredState s)
    {
        var md = new StringBuilder();
        md.Append($"# Cloud resources of stack `{s.StackName}`\n\n");
        md.Append($"Namespace `{s.Namespace}`. Writer image `{s.Image.Reference}`");
        md.Append(s.Image.Build is { } b ? $", built from `{b.RelativeDockerfile}` (context `{b.RelativeContext}`).\n\n" : " (pinned by images.tag; not built).\n\n");
        md.Append("Secret values never appear here: each secret lists the Pulumi secret config keys that fill it at `pulumi up`.\n\n");
        if (s.Aws is { } aws) Aws(md, aws);
        if (s.Gcp is { } gcp) Gcp(md, gcp);
        md.Append("## Stack outputs\n\n");
        md.Append($"- namespace: `{s.Outputs.Namespace}`\n- imageRef: `{s.Outputs.ImageReference}`\n");
        md.Append($"- deployments: {List(s.Outputs.DeploymentNames)}\n- topics: {List(s.Outputs.TopicNames)}\n");
        md.Append($"- subscriptions: {List(s.Outputs.SubscriptionNames)}\n");
        return md.ToString();
    }

    private static void Aws(StringBuilder md, Desired.Aws.AwsDesired aws)
    {
        md.Append($"## AWS (account {aws.AccountId}, {aws.Region})\n\n");
        md.Append("### KMS key\n\n");
        md.Append(aws.KmsKey.Create
            ? $"- create a customer-managed key, alias `{aws.KmsKey.Alias}`, {(aws.KmsKey.RotateYearly ? "rotation on" : "rotation off")}, deletion window {aws.KmsKey.DeletionWindowInDays} days\n\n"
            : $"- use the existing key `{aws.KmsKey.KeyId}`\n\n");
        md.Append("### Secrets Manager\n\n");
        foreach (var secret in aws.Secrets)
        {
            md.Append($"- `{secret.Name}` ({secret.Purpose}): {Fields(secret.Fields)}");
            if (secret.ScramClusterArn is { } arn) md.Append($"; SCRAM association with `{arn}`");
            md.Append('\n');
            if (secret.ResourcePolicyJson is { } policy) Code(md, "resource policy", policy);
        }
        md.Append($"\n### IAM role `{aws.Role.Name}` (IRSA)\n\n- ARN `{aws.Role.Arn}`\n");
        Code(md, "trust policy", aws.Role.TrustPolicyJson);
        if (aws.Role.InlinePolicyJson is { } inline) Code(md, $"inline policy `{aws.Role.InlinePolicyName}`", inline);
        else md.Append("\nno inline policy: the writers need no AWS rights (credentials come from mounted files)\n");
        md.Append("\n### Kafka topics (ensured by the in-cluster Job)\n\n| topic | partitions | replication | retention (h) | DLQ |\n| --- | --- | --- | --- | --- |\n");
        foreach (var t in aws.KafkaTopics)
            md.Append($"| `{t.Name}` | {t.Partitions} | {t.ReplicationFactor} | {t.RetentionHours} | {(t.IsDeadLetter ? "yes" : "")} |\n");
        md.Append("\nThe Job creates missing topics, raises partition counts and sets retention to these values; it refuses a partition decrease (the Job fails, the writers are not updated) and reports, without changing, a different replication factor.\n\n");
        if (aws.OnlineTable is { } table)
        {
            md.Append("### DynamoDB online table\n\n");
            md.Append(table.Create
                ? $"- create `{table.Name}`: billing {table.BillingMode}, hash key `{table.HashKey}` ({table.HashKeyType}), TTL on attribute `{table.TtlAttribute}`\n"
                : $"- use the existing table `{table.Name}` (not created or changed here; it needs hash key `{table.HashKey}` ({table.HashKeyType}) and TTL on `{table.TtlAttribute}`)\n");
            md.Append($"- ARN `{table.Arn}`; the IRSA policy allows only {string.Join(", ", table.WriterActions.Select(a => $"`{a}`"))} on it, for the online writer\n\n");
        }
        if (aws.Repository is { } repo)
            md.Append($"### ECR repository\n\n- `{repo.Name}`, tags {repo.ImageTagMutability.ToLowerInvariant()}, scan on push {(repo.ScanOnPush ? "on" : "off")}\n\n");
    }

    private static void Gcp(StringBuilder md, Desired.Gcp.GcpDesired gcp)
    {
        md.Append($"## GCP (project {gcp.ProjectId}, number {gcp.ProjectNumber})\n\n");
        var sa = gcp.ServiceAccount;
        md.Append($"### Service account `{sa.Email}`\n\n- `{sa.WorkloadIdentityRole}` for `{sa.WorkloadIdentityMember}` (Workload Identity)\n\n");
        if (gcp.Secret is { } secret)
            md.Append($"### Secret Manager\n\n- `{secret.SecretId}` in `{secret.ProjectId}`, replication {secret.Replication}: {Fields(secret.Fields)}; no reader is granted (writers read mounted files)\n\n");
        md.Append("### Pub/Sub topics\n\n");
        foreach (var t in gcp.Topics)
            md.Append($"- `{t.Name}`{(t.IsDeadLetter ? " (dead-letter topic)" : "")}{(t.MessageRetentionDuration is { } r ? $", retention {r}" : "")}\n");
        md.Append("\n### Pub/Sub subscriptions\n\n| subscription | topic | writer | ack deadline (s) | dead letter | retry backoff | expires |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        foreach (var sub in gcp.Subscriptions)
            md.Append($"| `{sub.Name}` | `{sub.Topic}` | {sub.Writer ?? "(holds dead letters)"} | {sub.AckDeadlineSeconds} | "
                + $"{(sub.DeadLetter is { } dl ? $"`{dl.Topic}` after {dl.MaxDeliveryAttempts} attempts" : "")} | {sub.MinimumBackoff}-{sub.MaximumBackoff} | {(sub.ExpirationTtl == PubSubSubscription.NeverExpire ? "never" : $"idle {sub.ExpirationTtl}")} |\n");
        md.Append("\n### IAM grants\n\n| on | role | member | why |\n| --- | --- | --- | --- |\n");
        foreach (var g in gcp.TopicGrants) md.Append($"| topic `{g.Topic}` | `{g.Role}` | `{g.Member}` | {g.Why} |\n");
        foreach (var g in gcp.SubscriptionGrants) md.Append($"| subscription `{g.Subscription}` | `{g.Role}` | `{g.Member}` | {g.Why} |\n");
        foreach (var g in gcp.ProjectGrants) md.Append($"| project `{g.ProjectId}` | `{g.Role}` | `{g.Member}` | {g.Why} |\n");
        foreach (var g in gcp.BucketGrants) md.Append($"| bucket `gs://{g.Bucket}` | `{g.Role}` | `{g.Member}` | {g.Why} |\n");
        md.Append('\n');
    }

    private static string Fields(IEnumerable<SecretField> fields) =>
        "JSON {" + string.Join(", ", fields.Select(f => $"`{f.Field}` from `{f.Source}`")) + "}";

    private static string List(IEnumerable<string> items) => string.Join(", ", items.Select(i => $"`{i}`"));

    private static void Code(StringBuilder md, string title, string json) =>
        md.Append($"\n{title}:\n\n```json\n{json.ReplaceLineEndings("\n")}\n```\n");
}
