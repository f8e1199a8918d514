using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Persistence.Contracts.V1;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Sinks.Offline;

/// <summary>
/// The offline store layout: one observation table per feature, named from its fqn, plus query_log.
/// The name is injective, so two features never share a table:
/// a canonical fqn (lowercase words of [a-z0-9] joined by single '_', segments joined by single '.') keeps the name
/// it always had, '.' becoming "__": "user.credit_score" is "feature__user__credit_score". Every other fqn
/// ("user.credit-score", "User.Credit_Score", "a__b") gets a readable prefix and "___" plus a hash of the exact fqn,
/// a form no canonical name can take (its words never meet in three underscores). A name over PostgreSQL's 63
/// characters keeps a prefix and a hash of the fqn, as before.
/// </summary>
public static partial class FeatureTables
{
    public const string QueryLog = "query_log";
    public const string ObservationId = "observation_id";
    private const int MaxIdentifier = 63; // PostgreSQL's limit; others allow more.
    private const string Prefix = "feature__";

    public static string TableFor(string featureFqn)
    {
        var readable = Prefix + featureFqn.ToLowerInvariant().Replace(".", "__", StringComparison.Ordinal);
        if (!Canonical().IsMatch(featureFqn))
        {
            // Not canonical: the readable part may equal another fqn's, so the hash of the exact fqn tells them apart.
            var hash = Hash(featureFqn, 16);
            var prefix = Unsafe().Replace(readable, "_").TrimEnd('_');
            return $"{prefix[..Math.Min(prefix.Length, MaxIdentifier - 3 - hash.Length)]}___{hash}";
        }
        if (readable.Length <= MaxIdentifier)
            return readable;
        // Too long: keep a readable prefix and make it unique with a hash of the fqn (the name such tables always had).
        return $"{readable[..(MaxIdentifier - 11)]}_{Hash(featureFqn, 10)}";
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

    /// <summary>
    /// Unique per (query, row, feature): a redelivered result produces the same ids, so the store skips them, and two
    /// features' rows never drop as each other's duplicates (not even in a table written before names were injective).
    /// </summary>
    public static string ObservationIdOf(string queryId, int rowIndex, string featureFqn) => $"{queryId}/{rowIndex}/{featureFqn}";

    private static string Hash(string fqn, int hexChars) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fqn)))[..hexChars];

    private static Column Column(string name, ValueType type, bool nullable = false) => new() { Name = name, Type = type, Nullable = nullable };

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex Unsafe();

    /// <summary>Words of [a-z0-9] joined by single '_', segments by single '.': the fqns whose names are kept as they were.</summary>
    [GeneratedRegex("^[a-z0-9]+(_[a-z0-9]+)*(\\.[a-z0-9]+(_[a-z0-9]+)*)*$")]
    private static partial Regex Canonical();
}
