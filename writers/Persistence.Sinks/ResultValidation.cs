using Persistence.Stores;
using Persistence.Contracts.V1;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Sinks;

/// <summary>Structural checks of a result-bus message; a failure dead-letters it with this reason.</summary>
public static class ResultValidation
{
    public static string? Problem(QueryResult result)
    {
        if (string.IsNullOrWhiteSpace(result.QueryId)) return "query_id is empty";
        if (result.PrimaryKeys.Count == 0) return $"query {result.QueryId}: no primary_keys";
        for (var f = 0; f < result.Features.Count; f++)
        {
            var feature = result.Features[f];
            if (string.IsNullOrWhiteSpace(feature.Fqn)) return $"query {result.QueryId}: feature #{f} has no fqn";
            if (feature.Type == ValueType.Unspecified) return $"query {result.QueryId}: feature {feature.Fqn} has no type";
        }
        for (var r = 0; r < result.Rows.Count; r++)
        {
            var row = result.Rows[r];
            if (row.PrimaryKeys.Count != result.PrimaryKeys.Count)
                return $"query {result.QueryId}: row {r} has {row.PrimaryKeys.Count} primary key values for {result.PrimaryKeys.Count} primary keys";
            if (row.Values.Count != result.Features.Count)
                return $"query {result.QueryId}: row {r} has {row.Values.Count} values for {result.Features.Count} features";
            if (row.ObservedAt is null)
                return $"query {result.QueryId}: row {r} has no observed_at";
            for (var f = 0; f < row.Values.Count; f++)
            {
                var value = row.Values[f];
                if (value.KindCase == Value.KindOneofCase.None)
                    return $"query {result.QueryId}: row {r} feature {result.Features[f].Fqn} has no value (use null_value for nulls)";
                if (!Values.Matches(value, result.Features[f].Type))
                    return $"query {result.QueryId}: row {r} feature {result.Features[f].Fqn} is declared {result.Features[f].Type} but holds {value.KindCase}";
            }
        }
        return null;
    }

    /// <summary>The entity key of a row: namespace plus its primary key values, e.g. "user:42".</summary>
    public static string EntityKey(QueryResult result, ResultRow row) =>
        row.PrimaryKeys.Count == 1
            ? $"{result.Namespace}:{Values.ToKeyText(row.PrimaryKeys[0])}"
            : $"{result.Namespace}:{string.Join('|', row.PrimaryKeys.Select(Values.ToKeyText))}";
}
