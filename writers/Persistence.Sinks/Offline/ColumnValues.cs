using System.Buffers;
using Parquet;
using Parquet.Schema;
using Persistence.Stores;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Sinks.Offline;

/// <summary>
/// One column of a table's rows as a typed array (with a null mask for value types), written to parquet without a
/// boxed value per row. Slices share the array, so a batch's shared columns serve every table and chunk.
/// </summary>
public abstract class ColumnValues
{
    public abstract int Count { get; }

    /// <summary>Whether the column can be written as a column of <paramref name="type"/>.</summary>
    public abstract bool Holds(ValueType type);

    public abstract ColumnValues Slice(int start, int length);

    internal abstract Task WriteAsync(ParquetRowGroupWriter group, DataField field, CancellationToken cancellationToken);

    public static ColumnValues Text(ReadOnlyMemory<string?> values) => new TextColumn(values);

    /// <summary>Text as slices of one buffer (no string per row); null elements are nulls.</summary>
    public static ColumnValues Chars(ReadOnlyMemory<ReadOnlyMemory<char>?> values) => new CharsColumn(values);

    /// <summary>Bytes, or vectors already encoded by <see cref="VectorBytes"/>; null elements are nulls.</summary>
    public static ColumnValues Binary(ReadOnlyMemory<ReadOnlyMemory<byte>?> values, ValueType type = ValueType.Bytes) => new BinaryColumn(values, type);

    /// <summary>Values of a value type; <paramref name="isNull"/> (same length, or empty for none) marks the nulls.</summary>
    public static ColumnValues Of<T>(ReadOnlyMemory<T> values, ReadOnlyMemory<bool> isNull = default) where T : struct => new StructColumn<T>(values, isNull);

    /// <summary>The column <paramref name="c"/> of boxed rows, with the casts the row API always made (an Int is a long).</summary>
    public static ColumnValues FromRows(IReadOnlyList<object?[]> rows, int c, ValueType type)
    {
        switch (type)
        {
            case ValueType.Int: return Structs<long>(rows, c);
            case ValueType.Float: return Structs<double>(rows, c);
            case ValueType.Bool: return Structs<bool>(rows, c);
            case ValueType.Timestamp: return Structs<DateTime>(rows, c);
            case ValueType.String: return Text(rows.Select(r => (string?)r[c]).ToArray());
            case ValueType.Bytes: return Binary(rows.Select(r => r[c] is null ? (ReadOnlyMemory<byte>?)null : (byte[])r[c]!).ToArray());
            case ValueType.Vector: return Binary(rows.Select(r => r[c] is float[] v ? VectorBytes.Encode(v) : (ReadOnlyMemory<byte>?)null).ToArray(), ValueType.Vector);
            default: throw new SchemaConflictException($"column type {type} cannot be stored");
        }
    }

    private static ColumnValues Structs<T>(IReadOnlyList<object?[]> rows, int c) where T : struct
    {
        var values = new T[rows.Count];
        var isNull = new bool[rows.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var value = (T?)rows[i][c];
            values[i] = value.GetValueOrDefault();
            isNull[i] = value is null;
        }
        return Of<T>(values, isNull);
    }

    private sealed class StructColumn<T>(ReadOnlyMemory<T> values, ReadOnlyMemory<bool> isNull) : ColumnValues where T : struct
    {
        public override int Count => values.Length;

        public override bool Holds(ValueType type) => type switch
        {
            ValueType.Int => typeof(T) == typeof(long),
            ValueType.Float => typeof(T) == typeof(double),
            ValueType.Bool => typeof(T) == typeof(bool),
            ValueType.Timestamp => typeof(T) == typeof(DateTime),
            _ => false,
        };

        public override ColumnValues Slice(int start, int length) => new StructColumn<T>(values.Slice(start, length), isNull.IsEmpty ? default : isNull.Slice(start, length));

        internal override async Task WriteAsync(ParquetRowGroupWriter group, DataField field, CancellationToken cancellationToken)
        {
            // Definition levels and the non-null values, as Parquet.Net derives them from a T?[]: the same bytes, without one.
            var count = values.Length;
            var levels = ArrayPool<int>.Shared.Rent(count);
            var present = isNull.Span.Contains(true) ? ArrayPool<T>.Shared.Rent(count) : null;
            try
            {
                var written = present is null ? Fill(levels.AsSpan(0, count), field.MaxDefinitionLevel) : Pack(levels.AsSpan(0, count), present, field.MaxDefinitionLevel);
                await group.WriteAllPartsAsync<T>(field, present is null ? values : present.AsMemory(0, written), levels.AsMemory(0, count), null, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(levels);
                if (present is not null) ArrayPool<T>.Shared.Return(present);
            }
        }

        private int Fill(Span<int> levels, int maxLevel)
        {
            levels.Fill(maxLevel);
            return levels.Length;
        }

        private int Pack(Span<int> levels, Span<T> present, int maxLevel)
        {
            var all = values.Span;
            var nulls = isNull.Span;
            var written = 0;
            for (var i = 0; i < all.Length; i++)
            {
                if (nulls[i]) { levels[i] = maxLevel - 1; continue; }
                levels[i] = maxLevel;
                present[written++] = all[i];
            }
            return written;
        }
    }

    private sealed class TextColumn(ReadOnlyMemory<string?> values) : ColumnValues
    {
        public override int Count => values.Length;
        public override bool Holds(ValueType type) => type == ValueType.String;
        public override ColumnValues Slice(int start, int length) => new TextColumn(values.Slice(start, length));

        internal override Task WriteAsync(ParquetRowGroupWriter group, DataField field, CancellationToken cancellationToken) =>
            WriteTextAsync(group, field, values, cancellationToken);
    }

    private sealed class CharsColumn(ReadOnlyMemory<ReadOnlyMemory<char>?> values) : ColumnValues
    {
        public override int Count => values.Length;
        public override bool Holds(ValueType type) => type == ValueType.String;
        public override ColumnValues Slice(int start, int length) => new CharsColumn(values.Slice(start, length));

        internal override Task WriteAsync(ParquetRowGroupWriter group, DataField field, CancellationToken cancellationToken) =>
            group.WriteAsync<ReadOnlyMemory<char>>(field, values, null, null, cancellationToken);
    }

    private sealed class BinaryColumn(ReadOnlyMemory<ReadOnlyMemory<byte>?> values, ValueType type) : ColumnValues
    {
        public override int Count => values.Length;
        public override bool Holds(ValueType t) => t == type;
        public override ColumnValues Slice(int start, int length) => new BinaryColumn(values.Slice(start, length), type);

        internal override Task WriteAsync(ParquetRowGroupWriter group, DataField field, CancellationToken cancellationToken) =>
            group.WriteAsync<ReadOnlyMemory<byte>>(field, values, null, null, cancellationToken);
    }

    // What Parquet.Net's string helper does, over a slice rather than a collection.
    private static async Task WriteTextAsync(ParquetRowGroupWriter group, DataField field, ReadOnlyMemory<string?> values, CancellationToken cancellationToken)
    {
        var count = values.Length;
        var rented = ArrayPool<ReadOnlyMemory<char>?>.Shared.Rent(count);
        try
        {
            Wrap(values.Span, rented);
            await group.WriteAsync<ReadOnlyMemory<char>>(field, rented.AsMemory(0, count), null, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<ReadOnlyMemory<char>?>.Shared.Return(rented, clearArray: true);
        }
    }

    private static void Wrap(ReadOnlySpan<string?> values, ReadOnlyMemory<char>?[] into)
    {
        for (var i = 0; i < values.Length; i++) into[i] = values[i]?.AsMemory();
    }
}
