using Parquet;
using Parquet.Schema;
using Persistence.Contracts.V1;
using Persistence.Stores;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Sinks.Offline;

/// <summary>
/// Encodes rows as one parquet file and decodes them back against an expected schema.
/// Vectors travel as FLOAT32 little-endian byte arrays: the TableSchema says which columns are vectors.
/// </summary>
public static class ParquetCodec
{
    public static async Task<byte[]> EncodeAsync(TableSchema schema, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await EncodeAsync(buffer, schema, [rows], cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Encodes into a buffer returned without a copy (the memory stream's own array, trimmed by length).</summary>
    public static async Task<ReadOnlyMemory<byte>> EncodeToMemoryAsync(TableColumns table, CancellationToken cancellationToken = default)
    {
        var buffer = new MemoryStream();
        await EncodeAsync(buffer, table.Schema, [table.Columns], cancellationToken).ConfigureAwait(false);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>Writes <paramref name="table"/> as one parquet file of one row group to <paramref name="destination"/>.</summary>
    public static Task EncodeAsync(Stream destination, TableColumns table, CancellationToken cancellationToken = default) =>
        EncodeAsync(destination, table.Schema, [table.Columns], cancellationToken);

    /// <summary>Writes one parquet file to <paramref name="destination"/> with one row group per element of <paramref name="rowGroups"/>.</summary>
    public static Task EncodeAsync(Stream destination, TableSchema schema, IEnumerable<IReadOnlyList<object?[]>> rowGroups, CancellationToken cancellationToken = default) =>
        EncodeAsync(destination, schema, rowGroups.Select(rows => TableColumns.FromRows(schema, rows).Columns), cancellationToken);

    /// <summary>Writes one parquet file with one row group per element of <paramref name="rowGroups"/>, each the schema's columns in order.</summary>
    public static async Task EncodeAsync(Stream destination, TableSchema schema, IEnumerable<IReadOnlyList<ColumnValues>> rowGroups, CancellationToken cancellationToken = default)
    {
        var fields = schema.Columns.Select(ToField).ToArray();
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), destination, cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var columns in rowGroups)
        {
            Check(schema, columns);
            using var group = writer.CreateRowGroup();
            for (var c = 0; c < fields.Length; c++)
                await columns[c].WriteAsync(group, fields[c], cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Check(TableSchema schema, IReadOnlyList<ColumnValues> columns)
    {
        if (columns.Count != schema.Columns.Count)
            throw new ArgumentException($"{columns.Count} columns for a schema of {schema.Columns.Count}", nameof(columns));
        for (var c = 0; c < columns.Count; c++)
        {
            if (!columns[c].Holds(schema.Columns[c].Type))
                throw new ArgumentException($"column '{schema.Columns[c].Name}' ({schema.Columns[c].Type}) is given values of another type", nameof(columns));
            if (columns[c].Count != columns[0].Count)
                throw new ArgumentException($"column '{schema.Columns[c].Name}' has {columns[c].Count} values, column '{schema.Columns[0].Name}' {columns[0].Count}", nameof(columns));
        }
    }

    /// <summary>Decodes all rows; throws <see cref="SchemaConflictException"/> when the file does not match <paramref name="expected"/>.</summary>
    /// <remarks>For small payloads (streaming inserts); files go through <see cref="ParquetRowGroups"/> a row group at a time.</remarks>
    public static async Task<List<object?[]>> DecodeAsync(ReadOnlyMemory<byte> parquet, string table, TableSchema expected, CancellationToken cancellationToken = default)
    {
        // Read in place: the payload is already in memory (a ByteString's array), a copy would double it.
        using var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(parquet, out var segment) && segment.Array is not null
            ? new MemoryStream(segment.Array, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(parquet.ToArray(), writable: false);
        await using var groups = await ParquetRowGroups.OpenAsync(stream, table, expected, cancellationToken).ConfigureAwait(false);
        var rows = new List<object?[]>();
        await foreach (var chunk in groups.ReadAsync(cancellationToken).ConfigureAwait(false))
            rows.AddRange(chunk);
        return rows;
    }

    internal static DataField[] MatchSchema(ParquetSchema actual, string table, TableSchema expected)
    {
        var byName = actual.GetDataFields().ToDictionary(f => f.Name, StringComparer.Ordinal);
        var fields = new DataField[expected.Columns.Count];
        for (var c = 0; c < expected.Columns.Count; c++)
        {
            var column = expected.Columns[c];
            if (!byName.TryGetValue(column.Name, out var field))
                throw new SchemaConflictException($"table {table}: parquet file has no column '{column.Name}' (it has: {string.Join(", ", byName.Keys)}); write files with the table's schema");
            var want = ClrType(column.Type);
            if (Family(field.ClrType) != want)
                throw new SchemaConflictException($"table {table}: column '{column.Name}' is {Family(field.ClrType).Name} in the parquet file but {column.Type} ({want.Name}) in the table schema");
            fields[c] = field;
        }
        var extra = byName.Keys.Except(expected.Columns.Select(c => c.Name)).ToList();
        if (extra.Count > 0)
            throw new SchemaConflictException($"table {table}: parquet file has columns the table does not: {string.Join(", ", extra)}");
        return fields;
    }

    private static Type ClrType(ValueType type) => type switch
    {
        ValueType.Int => typeof(long),
        ValueType.Float => typeof(double),
        ValueType.String => typeof(string),
        ValueType.Bool => typeof(bool),
        ValueType.Bytes or ValueType.Vector => typeof(byte[]),
        ValueType.Timestamp => typeof(DateTime),
        _ => throw new SchemaConflictException($"column type {type} cannot be stored"),
    };

    // Parquet.Net may surface text and binary columns as ReadOnlyMemory; they are the same column types.
    private static Type Family(Type clr) =>
        clr == typeof(ReadOnlyMemory<char>) ? typeof(string) : clr == typeof(ReadOnlyMemory<byte>) ? typeof(byte[]) : clr;

    private static DataField ToField(Column column) => new(column.Name, ClrType(column.Type), isNullable: true);

    internal static async Task<object?[]> ReadColumnAsync(ParquetRowGroupReader group, DataField field, ValueType type, int count, CancellationToken ct)
    {
        switch (type)
        {
            case ValueType.Int: return await ReadStructAsync<long>(group, field, count, ct).ConfigureAwait(false);
            case ValueType.Float: return await ReadStructAsync<double>(group, field, count, ct).ConfigureAwait(false);
            case ValueType.Bool: return await ReadStructAsync<bool>(group, field, count, ct).ConfigureAwait(false);
            case ValueType.Timestamp:
                var times = new DateTime?[count];
                await group.ReadAsync(field, times.AsMemory(), null, ct).ConfigureAwait(false);
                var utc = new object?[count];
                for (var i = 0; i < count; i++) if (times[i] is { } d) utc[i] = DateTime.SpecifyKind(d, DateTimeKind.Utc);
                return utc;
            case ValueType.String:
                var strings = new string?[count];
                await group.ReadAsync(field, strings.AsMemory(), null, ct).ConfigureAwait(false);
                return strings;
            default:
                var bytes = new byte[]?[count];
                await group.ReadAsync(field, bytes.AsMemory(), null, ct).ConfigureAwait(false);
                return type == ValueType.Vector ? bytes.Select(b => b is null ? null : (object)VectorBytes.Decode(b)).ToArray() : bytes;
        }
    }

    private static async Task<object?[]> ReadStructAsync<T>(ParquetRowGroupReader group, DataField field, int count, CancellationToken ct) where T : struct
    {
        var values = new T?[count];
        await group.ReadAsync(field, values.AsMemory(), null, ct).ConfigureAwait(false);
        var boxed = new object?[count];
        for (var i = 0; i < count; i++) if (values[i] is { } v) boxed[i] = v;
        return boxed;
    }
}
