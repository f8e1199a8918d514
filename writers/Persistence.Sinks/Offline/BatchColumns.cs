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
internal sealed class BatchColumns
{
    private readonly IReadOnlyList<QueryResult> _results;
    private readonly int[] _firstRow; // per result, its first row in the shared arrays
    private readonly string[] _entities;
    private readonly DateTime[] _observed;
    private readonly string[] _queryIds;
    private readonly string[] _environments;

    public BatchColumns(IReadOnlyList<QueryResult> results)
    {
        _results = results;
        _firstRow = new int[results.Count + 1];
        for (var i = 0; i < results.Count; i++)
            _firstRow[i + 1] = _firstRow[i] + results[i].Rows.Count;
        var rows = _firstRow[^1];
        (_entities, _observed, _queryIds, _environments) = (new string[rows], new DateTime[rows], new string[rows], new string[rows]);
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            for (int r = 0, at = _firstRow[i]; r < result.Rows.Count; r++, at++)
            {
                _entities[at] = ResultValidation.EntityKey(result, result.Rows[r]);
                _observed[at] = result.Rows[r].ObservedAt.ToDateTime();
                _queryIds[at] = result.QueryId;
                _environments[at] = result.Environment;
            }
        }
    }

    /// <summary>One table per feature table name, its rows in batch order.</summary>
    public IEnumerable<(string Table, TableColumns Columns)> Tables(Func<string, string> tableOf)
    {
        // Table -> the (result, feature index) pairs that write it, in batch order.
        var tables = new Dictionary<string, (FeatureDescriptor Feature, List<(int Result, int Feature)> Parts)>(StringComparer.Ordinal);
        for (var i = 0; i < _results.Count; i++)
        {
            var features = _results[i].Features;
            for (var f = 0; f < features.Count; f++)
            {
                var table = tableOf(features[f].Fqn);
                if (!tables.TryGetValue(table, out var entry))
                    tables[table] = entry = (features[f], []);
                else if (entry.Feature.Type != features[f].Type)
                    throw new InvalidOperationException($"table {table}: features {entry.Feature.Fqn} ({entry.Feature.Type}) and {features[f].Fqn} ({features[f].Type}) in one batch; the catalog check refuses one of them");
                entry.Parts.Add((i, f));
            }
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
            if (result.StartedAt is { } at) started[i] = at.ToDateTime();
            else noStart[i] = true;
            latency[i] = result.Latency?.ToTimeSpan().TotalMilliseconds ?? 0d;
            (rows[i], features[i]) = (result.Rows.Count, result.Features.Count);
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
        foreach (var (result, _) in parts) count += _results[result].Rows.Count;
        var ids = ObservationIds(parts, count);
        // Every result writes this table (the usual case): the shared arrays are its columns.
        var everyResult = parts.Count == _results.Count && parts.Select((part, i) => part.Result == i).All(same => same);
        return new TableColumns(FeatureTables.FeatureSchema(feature),
        [
            ColumnValues.Chars(ids.Slices.AsMemory(0, count)),
            ColumnValues.Text(everyResult ? _entities : Gather(_entities, parts, count)),
            ValueColumn(feature.Type, parts, count),
            ColumnValues.Of<DateTime>(everyResult ? _observed : Gather(_observed, parts, count)),
            ColumnValues.Text(everyResult ? _queryIds : Gather(_queryIds, parts, count)),
            ColumnValues.Text(everyResult ? _environments : Gather(_environments, parts, count)),
        ]) { Lease = ids };
    }

    /// <summary>"{query id}/{row}/{fqn}" per row (<see cref="FeatureTables.ObservationIdOf"/>), as slices of one pooled buffer.</summary>
    private ObservationIdBuffer ObservationIds(List<(int Result, int Feature)> parts, int count)
    {
        var chars = 0;
        foreach (var (result, f) in parts)
        {
            var (queryId, fqn, rows) = (_results[result].QueryId, _results[result].Features[f].Fqn, _results[result].Rows.Count);
            chars += rows * (queryId.Length + fqn.Length + 2) + Digits(rows);
        }
        var ids = new ObservationIdBuffer(chars, count);
        var (at, row) = (0, 0);
        var buffer = ids.Chars.AsSpan();
        foreach (var (result, f) in parts)
        {
            var (queryId, fqn) = (_results[result].QueryId, _results[result].Features[f].Fqn);
            for (var r = 0; r < _results[result].Rows.Count; r++)
            {
                var start = at;
                queryId.CopyTo(buffer[at..]);
                at += queryId.Length;
                buffer[at++] = '/';
                r.TryFormat(buffer[at..], out var written, default, CultureInfo.InvariantCulture);
                at += written;
                buffer[at++] = '/';
                fqn.CopyTo(buffer[at..]);
                at += fqn.Length;
                ids.Slices[row++] = ids.Chars.AsMemory(start, at - start);
            }
        }
        return ids;
    }

    /// <summary>Decimal digits of 0 .. rows - 1 together.</summary>
    private static int Digits(int rows)
    {
        var digits = 0;
        for (long from = 0, to = 10, width = 1; from < rows; from = to, to *= 10, width++)
            digits += (int)((Math.Min(to, rows) - from) * width);
        return digits;
    }

    private sealed class ObservationIdBuffer(int chars, int count) : IDisposable
    {
        public char[] Chars { get; } = ArrayPool<char>.Shared.Rent(chars);
        public ReadOnlyMemory<char>?[] Slices { get; } = ArrayPool<ReadOnlyMemory<char>?>.Shared.Rent(count);

        public void Dispose()
        {
            ArrayPool<char>.Shared.Return(Chars);
            ArrayPool<ReadOnlyMemory<char>?>.Shared.Return(Slices, clearArray: true);
        }
    }

    private T[] Gather<T>(T[] shared, List<(int Result, int Feature)> parts, int count)
    {
        var gathered = new T[count];
        var at = 0;
        foreach (var (result, _) in parts)
        {
            var length = _results[result].Rows.Count;
            Array.Copy(shared, _firstRow[result], gathered, at, length);
            at += length;
        }
        return gathered;
    }

    private ColumnValues ValueColumn(ValueType type, List<(int Result, int Feature)> parts, int count) => type switch
    {
        ValueType.Int => Structs(parts, count, static v => v.IntValue),
        ValueType.Float => Structs(parts, count, static v => v.FloatValue),
        ValueType.Bool => Structs(parts, count, static v => v.BoolValue),
        ValueType.Timestamp => Structs(parts, count, static v => v.TimestampValue.ToDateTime()),
        ValueType.String => ColumnValues.Text(Each(parts, count, static v => Values.IsNull(v) ? null : v.StringValue)),
        // The value's own bytes, not a copy: the encoder reads them before the batch is released.
        ValueType.Bytes => ColumnValues.Binary(Each(parts, count, static v => Values.IsNull(v) ? (ReadOnlyMemory<byte>?)null : v.BytesValue.Memory)),
        ValueType.Vector => ColumnValues.Binary(Each(parts, count, static v => Values.IsNull(v) ? (ReadOnlyMemory<byte>?)null : VectorBytes.Encode(v.VectorValue.Values.ToArray())), ValueType.Vector),
        _ => throw new SchemaConflictException($"column type {type} cannot be stored"),
    };

    private ColumnValues Structs<T>(List<(int Result, int Feature)> parts, int count, Func<Value, T> read) where T : struct
    {
        var values = new T[count];
        bool[]? isNull = null; // most columns have no nulls: no mask
        var at = 0;
        foreach (var (result, f) in parts)
        {
            foreach (var row in _results[result].Rows)
            {
                var value = row.Values[f];
                if (Values.IsNull(value)) (isNull ??= new bool[count])[at] = true;
                else values[at] = read(value);
                at++;
            }
        }
        return ColumnValues.Of<T>(values, isNull);
    }

    private T[] Each<T>(List<(int Result, int Feature)> parts, int count, Func<Value, T> read)
    {
        var values = new T[count];
        var at = 0;
        foreach (var (result, f) in parts)
            foreach (var row in _results[result].Rows)
                values[at++] = read(row.Values[f]);
        return values;
    }
}
