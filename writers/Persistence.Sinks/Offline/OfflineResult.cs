using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Stores;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Sinks.Offline;

/// <summary>
/// A query result as the offline writer needs it, flat: its query_log fields, its features, and per row the entity
/// key, the observed-at and one value per feature, row-major (row r, feature f at r × features + f). A
/// <see cref="QueryResult"/> is some 125 objects per 10 rows of 8 features; this is a dozen arrays, read straight
/// from the wire by <see cref="OfflineResultDecoder"/>.
/// </summary>
public sealed class OfflineResult
{
    public required string QueryId { get; init; }
    public required string Environment { get; init; }
    public required string DeploymentId { get; init; }
    public required string OperationName { get; init; }
    public DateTime? StartedAt { get; init; }
    public double LatencyMilliseconds { get; init; }
    public bool StoreOffline { get; init; }

    /// <summary>Results of one query shape decoded one after another share this array.</summary>
    public required FeatureDescriptor[] Features { get; init; }

    public required string[] EntityKeys { get; init; }
    public required DateTime[] ObservedAt { get; init; }

    /// <summary>Int, Float (its bits), Bool (0/1) and Timestamp (UTC ticks) values.</summary>
    public required long[] Scalars { get; init; }

    /// <summary>Which values are null; null when none is.</summary>
    public bool[]? Nulls { get; init; }

    /// <summary>String values; null when no feature is a string.</summary>
    public string?[]? Texts { get; init; }

    /// <summary>Bytes values, and vectors as <see cref="VectorBytes"/> encodes them; null when no feature is either.</summary>
    public ReadOnlyMemory<byte>[]? Binaries { get; init; }

    public int RowCount => EntityKeys.Length;

    public bool IsNull(int index) => Nulls is { } nulls && nulls[index];

    /// <summary>
    /// The reference conversion, from a parsed and validated result: what the wire reader must equal, and what it
    /// falls back to for anything outside the shapes it reads itself.
    /// </summary>
    public static OfflineResult From(QueryResult result)
    {
        try
        {
            return Convert(result);
        }
        catch (Exception e) when (e is InvalidOperationException or OverflowException)
        {
            // A timestamp or duration out of the range the runtime can hold: the same on every delivery.
            throw new MessageDecodeException($"invalid QueryResult: query {result.QueryId}: {e.Message}", e);
        }
    }

    private static OfflineResult Convert(QueryResult result)
    {
        var (features, rows) = (result.Features.Count, result.Rows.Count);
        var types = result.Features.Select(f => f.Type).ToArray();
        var (keys, observed, scalars) = (new string[rows], new DateTime[rows], new long[rows * features]);
        bool[]? nulls = null;
        var texts = types.Contains(ValueType.String) ? new string?[rows * features] : null;
        var binaries = types.Any(t => t is ValueType.Bytes or ValueType.Vector) ? new ReadOnlyMemory<byte>[rows * features] : null;
        for (var r = 0; r < rows; r++)
        {
            var row = result.Rows[r];
            keys[r] = ResultValidation.EntityKey(result, row);
            observed[r] = row.ObservedAt.ToDateTime();
            for (var f = 0; f < features; f++)
            {
                var (value, at) = (row.Values[f], r * features + f);
                if (Values.IsNull(value))
                {
                    (nulls ??= new bool[rows * features])[at] = true;
                    continue;
                }
                switch (types[f])
                {
                    case ValueType.Int: scalars[at] = value.IntValue; break;
                    case ValueType.Float: scalars[at] = BitConverter.DoubleToInt64Bits(value.FloatValue); break;
                    case ValueType.Bool: scalars[at] = value.BoolValue ? 1 : 0; break;
                    case ValueType.Timestamp: scalars[at] = value.TimestampValue.ToDateTime().Ticks; break;
                    case ValueType.String: texts![at] = value.StringValue; break;
                    case ValueType.Bytes: binaries![at] = value.BytesValue.Memory; break;
                    case ValueType.Vector: binaries![at] = VectorBytes.Encode(value.VectorValue.Values.ToArray()); break;
                    default: throw new SchemaConflictException($"column type {types[f]} cannot be stored");
                }
            }
        }
        return new OfflineResult
        {
            QueryId = result.QueryId, Environment = result.Environment, DeploymentId = result.DeploymentId, OperationName = result.OperationName,
            StartedAt = result.StartedAt?.ToDateTime(), LatencyMilliseconds = result.Latency?.ToTimeSpan().TotalMilliseconds ?? 0d,
            StoreOffline = result.StoreOffline, Features = [.. result.Features],
            EntityKeys = keys, ObservedAt = observed, Scalars = scalars, Nulls = nulls, Texts = texts, Binaries = binaries,
        };
    }
}
