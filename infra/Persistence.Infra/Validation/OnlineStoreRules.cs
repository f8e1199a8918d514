using System.Text.RegularExpressions;
using Persistence.Contracts;
using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>stores.online: DynamoDB only on AWS, one table source, valid table names; settings that would be ignored are warned about.</summary>
internal static partial class OnlineStoreRules
{
    private const string Path = $"{Paths.Stores}.online";

    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        var online = c.Stores.Online;
        if (online.Kind != OnlineStoreKind.DynamoDb)
        {
            if (online.DynamoDb is not null)
                yield return Warning($"{Path}.dynamodb", "ignored: stores.online.kind is redis", $"set {Path}.kind to dynamodb, or remove {Path}.dynamodb");
            yield break;
        }
        if (c.Cloud != CloudProvider.Aws)
        {
            yield return Error($"{Path}.kind", $"DynamoDB is an AWS service; this stack is on {c.Cloud.ToString().ToLowerInvariant()}",
                $"use redis (Memorystore) on gcp: pulumi config set --path '{Path}.kind' redis");
            yield break;
        }
        if (online.DynamoDb is { TableName: { } created, ExistingTable: { } existing })
            yield return Error($"{Path}.dynamodb", $"both tableName (\"{created}\", created by the stack) and existingTable (\"{existing}\", referenced) are set",
                $"keep one: pulumi config rm --path '{Path}.dynamodb.tableName' to use the existing table");
        foreach (var (key, name) in new[] { ("tableName", online.DynamoDb?.TableName), ("existingTable", online.DynamoDb?.ExistingTable) })
            if (name is not null && !TableName().IsMatch(name))
                yield return Error($"{Path}.dynamodb.{key}", $"\"{name}\" is not a DynamoDB table name (3-255 of a-z, A-Z, 0-9, '_', '-', '.'; a name, not an ARN)",
                    "e.g. prod-online-features");
        if (!c.Writers.Any(w => w.Type == WriterType.ONLINE_WRITER))
            yield return Warning($"{Path}.kind", "dynamodb, but no ONLINE_WRITER is deployed: the table would get no writes", $"add an ONLINE_WRITER or set {Path}.kind to redis");
    }

    [GeneratedRegex("^[a-zA-Z0-9_.-]{3,255}$")]
    private static partial Regex TableName();
}
