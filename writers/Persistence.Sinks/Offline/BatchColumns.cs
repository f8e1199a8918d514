using System.Buffers;
using System.Globalization;
using Persistence.Contracts.V1;
using Persistence.Stores;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Sinks.Offline;

/// <summary>
/// A batch of results as typed columns: one table per feature (in the order first seen) and query_log. What every
/// feature's row shares (entity key, observed at, query id, environment) is built once per batch, and a table that
/// every result contributes to takes those arrays as they are; only the observation id and the value are per feature.
/// </summary>
internal sealed class BatchColumns : IDisposable
{
    private readonly PooledArrays _shared = new();
    private readonly IReadOnlyList<OfflineResult> _results;
    private readonly int[] _firstRow; // per result, its first row in the shared arrays
    private readonly string[] _entities;
    private readonly DateTime[] _observed;
    private readonly string[] _queryIds;
    private readonly string[] _environments;
    private readonly int _rows;

    public BatchColumns(IReadOnlyList<OfflineResult> results)
    {
        _results = results;
        _firstRow = new int[results.Count + 1];
        for (var i = 0; i < results.Count; i++)
            _firstRow[i + 1] = _firstRow[i] + results[i].RowCount;
        var rows = _firstRow[^1];
        _rows = rows;
        (_entities, _observed, _queryIds, _environments) = (_shared.Rent<string>(rows), _shared.Rent<DateTime>(rows), _shared.Rent<string>(rows), _shared.Rent<string>(rows));
        for (var i = 0; i < results.Count; i++)
        {
            var (result, at) = (results[i], _firstRow[i]);
            result.EntityKeys.CopyTo(_entities, at);
            result.ObservedAt.CopyTo(_observed, at);
            _queryIds.AsSpan(at, result.RowCount).Fill(result.QueryId);
            _environments.AsSpan(at, result.RowCount).Fill(result.Environment);
        }
    }

    /// <summary>Returns the shared columns: after every table of the batch is encoded.</summary>
    public void Dispose() => _shared.Dispose();

    /// <summary>One table per feature table name, its rows in batch order.</summary>
    public IEnumerable<(string Table, TableColumns Columns)> Tables(Func<string, string> tableOf)
    {
        // Table -> the (result, feature index) pairs that write it, in batch order.
        var tables = new Dictionary<string, (FeatureDescriptor Feature, List<(int Result, int Feature)> Parts)>(StringComparer.Ordinal);
        // Results decoded one after another share their features array: their tables are the previous result's.
        FeatureDescriptor[]? lastFeatures = null;
        var lastParts = new List<List<(int Result, int Feature)>>();
        for (var i = 0; i < _results.Count; i++)
        {
            var features = _results[i].Features;
            if (ReferenceEquals(features, lastFeatures))
            {
                for (var f = 0; f < features.Length; f++) lastParts[f].Add((i, f));
                continue;
            }
            lastParts.Clear();
            for (var f = 0; f < features.Length; f++)
            {
                var table = tableOf(features[f].Fqn);
                if (!tables.TryGetValue(table, out var entry))
                    tables[table] = entry = (features[f], []);
                else if (entry.Feature.Type != features[f].Type)
                    throw new InvalidOperationException($"table {table}: features {entry.Feature.Fqn} ({entry.Feature.Type}) and {features[f].Fqn} ({features[f].Type}) in one batch; the catalog check refuses one of them");
                entry.Parts.Add((i, f));
                lastParts.Add(entry.Parts);
            }
            // Two features of one result on one table (a collision the sink refuses first) must not share the shortcut.
            lastFeatures = lastParts.Distinct().Count() == lastParts.Count ? features : null;
        }
        foreach (var (table, (feature, parts)) in tables)
            yield return (table, Build(feature, parts));
    }

    public TableColumns QueryLog()
    {
        var n = _results.Count;
        var (ids, environments, deployments, operations) = (new string[n], new string[n], new string[n], new string[n]);
        var (started, noStart, latency, rows, features) = (new DateTime[n], new bool[n], new double[n], new long[n], new long[n]);
        for (var i = 0; i < n; i++)
        {
            var result = _results[i];
            (ids[i], environments[i], deployments[i], operations[i]) = (result.QueryId, result.Environment, result.DeploymentId, result.OperationName);
            if (result.StartedAt is { } at) started[i] = at;
            else noStart[i] = true;
            latency[i] = result.LatencyMilliseconds;
            (rows[i], features[i]) = (result.RowCount, result.Features.Length);
        }
        return new TableColumns(FeatureTables.QueryLogSchema,
        [
            ColumnValues.Text(ids), ColumnValues.Text(environments), ColumnValues.Text(deployments), ColumnValues.Text(operations),
            ColumnValues.Of<DateTime>(started, noStart), ColumnValues.Of<double>(latency), ColumnValues.Of<long>(rows), ColumnValues.Of<long>(features),
        ]);
    }

    private TableColumns Build(FeatureDescriptor feature, List<(int Result, int Feature)> parts)
    {
        var count = 0;
        foreach (var (result, _) in parts) count += _results[result].RowCount;
        var lease = new PooledArrays();
        var ids = ObservationIds(parts, count, lease);
        // Every result writes this table (the usual case): the shared arrays are its columns.
        var everyResult = parts.Count == _results.Count && parts.Select((part, i) => part.Result == i).All(same => same);
        return new TableColumns(FeatureTables.FeatureSchema(feature),
        [
            ColumnValues.Chars(ids),
            ColumnValues.Text(everyResult ? Shared<string?>(_entities) : Gather<string?>(_entities, parts, count, lease)),
            ValueColumn(feature.Type, parts, count, lease),
            ColumnValues.Of<DateTime>(everyResult ? Shared(_observed) : Gather(_observed, parts, count, lease)),
            ColumnValues.Text(everyResult ? Shared<string?>(_queryIds) : Gather<string?>(_queryIds, parts, count, lease)),
            ColumnValues.Text(everyResult ? Shared<string?>(_environments) : Gather<string?>(_environments, parts, count, lease)),
        ]) { Lease = lease };
    }

    private ReadOnlyMemory<T> Shared<T>(T[] array) => array.AsMemory(0, _rows);

    /// <summary>"{query id}/{row}/{fqn}" per row (<see cref="FeatureTables.ObservationIdOf"/>), as slices of one pooled buffer.</summary>
    private ReadOnlyMemory<ReadOnlyMemory<char>?> ObservationIds(List<(int Result, int Feature)> parts, int count, PooledArrays lease)
    {
        var length = 0;
        foreach (var (result, f) in parts)
        {
            var (queryId, fqn, rows) = (_results[result].QueryId, _results[result].Features[f].Fqn, _results[result].RowCount);
            length += rows * (queryId.Length + fqn.Length + 2) + Digits(rows);
        }
        var chars = lease.Rent<char>(length);
        var slices = lease.Rent<ReadOnlyMemory<char>?>(count);
        var (at, row) = (0, 0);
        var buffer = chars.AsSpan();
        foreach (var (result, f) in parts)
        {
            var (queryId, fqn) = (_results[result].QueryId, _results[result].Features[f].Fqn);
            for (var r = 0; r < _results[result].RowCount; r++)
            {
                var start = at;
                queryId.CopyTo(buffer[at..]);
                at += queryId.Length;
                buffer[at++] = '/';
                if (r < 10) buffer[at++] = (char)('0' + r); // most results have a few rows
                else
                {
                    r.TryFormat(buffer[at..], out var written, default, CultureInfo.InvariantCulture);
                    at += written;
                }
                buffer[at++] = '/';
                fqn.CopyTo(buffer[at..]);
                at += fqn.Length;
                slices[row++] = chars.AsMemory(start, at - start);
            }
        }
        return slices.AsMemory(0, count);
    }

    /// <summary>Decimal digits of 0 .. rows - 1 together.</summary>
    private static int Digits(int rows)
    {
        var digits = 0;
        for (long from = 0, to = 10, width = 1; from < rows; from = to, to *= 10, width++)
            digits += (int)((Math.Min(to, rows) - from) * width);
        return digits;
    }

    private ReadOnlyMemory<T> Gather<T>(T[] shared, List<(int Result, int Feature)> parts, int count, PooledArrays lease)
    {
        var gathered = lease.Rent<T>(count);
        var at = 0;
        foreach (var (result, _) in parts)
        {
            var length = _results[result].RowCount;
            Array.Copy(shared, _firstRow[result], gathered, at, length);
            at += length;
        }
        return gathered.AsMemory(0, count);
    }

    private ColumnValues ValueColumn(ValueType type, List<(int Result, int Feature)> parts, int count, PooledArrays lease) => type switch
    {
        ValueType.Int => Structs<long, IntBits>(parts, count, lease),
        ValueType.Float => Structs<double, FloatBits>(parts, count, lease),
        ValueType.Bool => Structs<bool, BoolBits>(parts, count, lease),
        ValueType.Timestamp => Structs<DateTime, TimestampBits>(parts, count, lease),
        ValueType.String => ColumnValues.Text(Each(parts, count, lease, static (result, at) => result.IsNull(at) ? null : result.Texts![at])),
        // The payload's own bytes, not a copy: the encoder reads them before the batch is released.
        ValueType.Bytes => ColumnValues.Binary(Each(parts, count, lease, static (result, at) => result.IsNull(at) ? (ReadOnlyMemory<byte>?)null : result.Binaries![at])),
        ValueType.Vector => ColumnValues.Binary(Each(parts, count, lease, static (result, at) => result.IsNull(at) ? (ReadOnlyMemory<byte>?)null : result.Binaries![at]), ValueType.Vector),
        _ => throw new SchemaConflictException($"column type {type} cannot be stored"),
    };

    // How a scalar's 64 bits (OfflineResult.Scalars) read as each column type: type parameters, so the JIT inlines
    // the conversion into the column loop instead of calling a delegate per value.
    private interface IScalarBits<T> { static abstract T Read(long bits); }
    private readonly struct IntBits : IScalarBits<long> { public static long Read(long bits) => bits; }
    private readonly struct FloatBits : IScalarBits<double> { public static double Read(long bits) => BitConverter.Int64BitsToDouble(bits); }
    private readonly struct BoolBits : IScalarBits<bool> { public static bool Read(long bits) => bits != 0; }
    private readonly struct TimestampBits : IScalarBits<DateTime> { public static DateTime Read(long ticks) => new(ticks, DateTimeKind.Utc); }

    /// <summary>A value-type column from the results' scalars (row r, feature f at r × features + f).</summary>
    private ColumnValues Structs<T, TBits>(List<(int Result, int Feature)> parts, int count, PooledArrays lease) where T : struct where TBits : IScalarBits<T>
    {
        var values = lease.Rent<T>(count);
        bool[]? isNull = null; // most columns have no nulls: no mask
        var at = 0;
        foreach (var (index, f) in parts)
        {
            var result = _results[index];
            var (scalars, stride, nulls) = (result.Scalars, result.Features.Length, result.Nulls);
            for (var r = 0; r < result.RowCount; r++, at++)
            {
                if (nulls is not null && nulls[r * stride + f]) (values[at], (isNull ??= lease.Rent<bool>(count, clear: true))[at]) = (default, true);
                else values[at] = TBits.Read(scalars[r * stride + f]);
            }
        }
        return ColumnValues.Of<T>(values.AsMemory(0, count), isNull is null ? default : isNull.AsMemory(0, count));
    }

    private ReadOnlyMemory<T> Each<T>(List<(int Result, int Feature)> parts, int count, PooledArrays lease, Func<OfflineResult, int, T> read)
    {
        var values = lease.Rent<T>(count);
        var at = 0;
        foreach (var (index, f) in parts)
        {
            var result = _results[index];
            for (var r = 0; r < result.RowCount; r++)
                values[at++] = read(result, r * result.Features.Length + f);
        }
        return values.AsMemory(0, count);
    }
}
