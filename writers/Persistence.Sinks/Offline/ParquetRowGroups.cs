using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;
using Persistence.Contracts.V1;
using Persistence.Stores;

namespace Persistence.Sinks.Offline;

/// <summary>
/// A parquet file opened against an expected schema and read one row group at a time, so memory holds one
/// row group's rows, not the file's. Opening checks the schema (from the footer) before any row is read;
/// a row group that cannot be decoded surfaces as <see cref="SchemaConflictException"/> when it is reached.
/// </summary>
public sealed class ParquetRowGroups : IAsyncDisposable
{
    private readonly ParquetReader _reader;
    private readonly DataField[] _fields;
    private readonly string _table;
    private readonly TableSchema _expected;

    private ParquetRowGroups(ParquetReader reader, DataField[] fields, string table, TableSchema expected, long rowCount)
    {
        (_reader, _fields, _table, _expected, RowCount) = (reader, fields, table, expected, rowCount);
    }

    /// <summary>Rows the file's footer declares (the sum over its row groups).</summary>
    public long RowCount { get; }

    public int RowGroupCount => _reader.RowGroupCount;

    /// <summary>Opens <paramref name="stream"/> (seekable; left open). Throws <see cref="SchemaConflictException"/> for an unreadable file or a schema mismatch.</summary>
    public static async Task<ParquetRowGroups> OpenAsync(Stream stream, string table, TableSchema expected, CancellationToken cancellationToken = default)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ParquetException)
        {
            throw new SchemaConflictException($"table {table}: payload is not a readable parquet file ({e.Message})");
        }
        try
        {
            var fields = ParquetCodec.MatchSchema(reader.Schema, table, expected);
            // From the footer already parsed; opening each row group just to count it cost a reader per group.
            long rows = 0;
            foreach (var group in reader.Metadata?.RowGroups ?? []) rows += group.NumRows;
            return new ParquetRowGroups(reader, fields, table, expected, rows);
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Yields each row group's rows in the column order of the expected schema.</summary>
    public async IAsyncEnumerable<IReadOnlyList<object?[]>> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var g = 0; g < _reader.RowGroupCount; g++)
            yield return await ReadGroupAsync(g, cancellationToken).ConfigureAwait(false);
    }

    private async Task<object?[][]> ReadGroupAsync(int g, CancellationToken cancellationToken)
    {
        try
        {
            using var group = _reader.OpenRowGroupReader(g);
            var count = checked((int)group.RowCount);
            var columns = new object?[_fields.Length][];
            for (var c = 0; c < _fields.Length; c++)
                columns[c] = await ParquetCodec.ReadColumnAsync(group, _fields[c], _expected.Columns[c].Type, count, cancellationToken).ConfigureAwait(false);
            var rows = new object?[count][];
            for (var r = 0; r < count; r++)
            {
                var row = new object?[_fields.Length];
                for (var c = 0; c < _fields.Length; c++) row[c] = columns[c][r];
                rows[r] = row;
            }
            return rows;
        }
        catch (Exception e) when (e is not OperationCanceledException and not SchemaConflictException)
        {
            // The file is local (spooled or in memory): a failure here is its content, and retrying cannot fix it.
            throw new SchemaConflictException($"table {_table}: row group {g + 1} of {_reader.RowGroupCount} is not readable parquet ({e.GetType().Name}: {e.Message}); re-export the file");
        }
    }

    public ValueTask DisposeAsync() => _reader.DisposeAsync();
}
