using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Persistence.Contracts.V1;
using Persistence.Stores;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Stores.Postgres;

/// <summary>
/// One statement per table: <c>INSERT INTO t (cols) SELECT cols FROM unnest($1::type[], ...) ON CONFLICT (key) DO NOTHING</c>,
/// each column sent as one typed binary array. Unlike a staging table it creates nothing in the catalog
/// (CREATE TEMP TABLE churned ≈190 pg_attribute rows per batch), and the values are unboxed once per column
/// instead of written one boxed value at a time. Duplicates within the statement are skipped by DO NOTHING.
/// </summary>
internal sealed class UnnestInsert
{
    private readonly NpgsqlDbType[] _types;
    private readonly ValueType[] _columns;

    public UnnestInsert(string table, TableSchema schema)
    {
        _columns = schema.Columns.Select(c => c.Type).ToArray();
        _types = schema.Columns.Select(ArrayType).ToArray();
        var names = string.Join(", ", schema.Columns.Select(c => PostgresColumns.Quote(c.Name)));
        // Vectors travel as text literals ('{1.5,2}') cast per element: unnest would flatten a real[][] into reals.
        var selected = string.Join(", ", schema.Columns.Select(c => c.Type == ValueType.Vector ? $"{PostgresColumns.Quote(c.Name)}::real[]" : PostgresColumns.Quote(c.Name)));
        var arrays = string.Join(", ", schema.Columns.Select((c, i) => $"${i + 1}::{ElementSql(c)}[]"));
        var sql = new StringBuilder($"INSERT INTO {PostgresColumns.Quote(table)} ({names}) SELECT {selected} FROM unnest({arrays}) AS u({names})");
        if (!string.IsNullOrEmpty(schema.IdempotencyColumn))
            sql.Append(CultureInfo.InvariantCulture, $" ON CONFLICT ({PostgresColumns.Quote(schema.IdempotencyColumn)}) DO NOTHING");
        Sql = sql.ToString();
    }

    public string Sql { get; }

    public NpgsqlBatchCommand Command(IReadOnlyList<object?[]> rows)
    {
        var command = new NpgsqlBatchCommand(Sql);
        for (var c = 0; c < _columns.Length; c++)
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = _types[c], Value = Column(rows, c, _columns[c]) });
        return command;
    }

    private static object Column(IReadOnlyList<object?[]> rows, int c, ValueType type) => type switch
    {
        ValueType.Int => Fill(rows, c, v => (long?)Convert.ToInt64(v, CultureInfo.InvariantCulture)),
        ValueType.Float => Fill(rows, c, v => (double?)Convert.ToDouble(v, CultureInfo.InvariantCulture)),
        ValueType.Bool => Fill(rows, c, v => (bool?)(bool)v),
        ValueType.String => Fill(rows, c, v => (string)v),
        ValueType.Bytes => Fill(rows, c, v => (byte[])v),
        ValueType.Timestamp => Fill(rows, c, v => (DateTime?)(v is DateTimeOffset o ? o.UtcDateTime : (DateTime)v)),
        ValueType.Vector => Fill(rows, c, v => VectorLiteral((float[])v)),
        _ => throw new SchemaConflictException($"column type {type} cannot be stored"),
    };

    private static T?[] Fill<T>(IReadOnlyList<object?[]> rows, int c, Func<object, T?> convert)
    {
        var values = new T?[rows.Count];
        for (var r = 0; r < values.Length; r++)
            if (rows[r][c] is { } v) values[r] = convert(v);
        return values;
    }

    private static string VectorLiteral(float[] vector)
    {
        var text = new StringBuilder(vector.Length * 10).Append('{');
        for (var i = 0; i < vector.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(vector[i].ToString("R", CultureInfo.InvariantCulture));
        }
        return text.Append('}').ToString();
    }

    private static NpgsqlDbType ArrayType(Column column) =>
        NpgsqlDbType.Array | (column.Type == ValueType.Vector ? NpgsqlDbType.Text : PostgresColumns.CopyType(column));

    private static string ElementSql(Column column) => column.Type == ValueType.Vector ? "text" : PostgresColumns.Declaration(column);
}
