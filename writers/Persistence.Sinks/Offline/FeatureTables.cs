using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Persistence.Contracts.V1;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Sinks.Offline;

/// <summary>
/// The offline store layout: one observation table per feature, named from its fqn, plus query_log.
/// "user.credit_score" becomes "feature__user__credit_score"; '.' maps to "__" so distinct fqns stay distinct.
/// </summary>
public static partial class FeatureTables
{
    public const string QueryLog = "query_log";
    public const string ObservationId = "observation_id";
    private const int MaxIdentifier = 63; // PostgreSQL's limit; others allow more.

    public static string TableFor(string featureFqn)
    {
        var name = "feature__" + Unsafe().Replace(featureFqn.ToLowerInvariant().Replace(".", "__", StringComparison.Ordinal), "_");
        if (name.Length <= MaxIdentifier)
            return name;
        // Too long: keep a readable prefix and make it unique with a hash of the fqn.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(featureFqn)))[..10];
        return $"{name[..(MaxIdentifier - 11)]}_{hash}";
    }

    public static TableSchema FeatureSchema(FeatureDescriptor feature) => new()
    {
        IdempotencyColumn = ObservationId,
        Columns =
        {
            Column(ObservationId, ValueType.String),
            Column("entity_key", ValueType.String),
            new Column { Name = "value", Type = feature.Type, Nullable = true, VectorDimensions = feature.VectorDimensions },
            Column("observed_at", ValueType.Timestamp),
            Column("query_id", ValueType.String),
            Column("environment", ValueType.String),
        },
    };

    public static readonly TableSchema QueryLogSchema = new()
    {
        IdempotencyColumn = "query_id",
        Columns =
        {
            Column("query_id", ValueType.String),
            Column("environment", ValueType.String),
            Column("deployment_id", ValueType.String),
            Column("operation_name", ValueType.String),
            Column("started_at", ValueType.Timestamp, nullable: true),
            Column("latency_ms", ValueType.Float),
            Column("row_count", ValueType.Int),
            Column("feature_count", ValueType.Int),
        },
    };

    /// <summary>Unique per (query, row): a redelivered result produces the same ids, so the store skips them.</summary>
    public static string ObservationIdOf(string queryId, int rowIndex) => $"{queryId}/{rowIndex}";

    private static Column Column(string name, ValueType type, bool nullable = false) => new() { Name = name, Type = type, Nullable = nullable };

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex Unsafe();
}
