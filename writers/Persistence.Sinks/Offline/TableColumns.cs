using Persistence.Contracts.V1;

namespace Persistence.Sinks.Offline;

/// <summary>A table's rows as typed columns in its schema's column order: what the parquet codec encodes.</summary>
/// <remarks>Dispose returns the pooled buffers some columns are built in (<see cref="Lease"/>); slices own none.</remarks>
public sealed record TableColumns(TableSchema Schema, IReadOnlyList<ColumnValues> Columns) : IDisposable
{
    internal IDisposable? Lease { get; init; }

    public void Dispose() => Lease?.Dispose();

    public int RowCount => Columns.Count == 0 ? 0 : Columns[0].Count;

    /// <summary>Boxed rows in the schema's column order as columns (for callers that have rows; the offline writer builds columns).</summary>
    public static TableColumns FromRows(TableSchema schema, IReadOnlyList<object?[]> rows)
    {
        var columns = new ColumnValues[schema.Columns.Count];
        for (var c = 0; c < columns.Length; c++)
            columns[c] = ColumnValues.FromRows(rows, c, schema.Columns[c].Type);
        return new TableColumns(schema, columns);
    }

    /// <summary>Rows [start, start + length), sharing the arrays.</summary>
    public TableColumns Slice(int start, int length) => new(Schema, [.. Columns.Select(c => c.Slice(start, length))]);
}
