using NpgsqlTypes;
using Persistence.Contracts.V1;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Stores.Postgres;

/// <summary>How each column type is declared, reported by information_schema, and copied in binary.</summary>
internal static class PostgresColumns
{
    public static string Declaration(Column column) => column.Type switch
    {
        ValueType.Int => "bigint",
        ValueType.Float => "double precision",
        ValueType.String => "text",
        ValueType.Bool => "boolean",
        ValueType.Bytes => "bytea",
        ValueType.Timestamp => "timestamp with time zone",
        ValueType.Vector => "real[]",
        _ => throw new ArgumentOutOfRangeException(nameof(column), column.Type, $"column {column.Name} has no type"),
    };

    /// <summary>information_schema.columns reports arrays as ARRAY with udt_name _float4.</summary>
    public static string Reported(string dataType, string udtName) => dataType == "ARRAY" && udtName == "_float4" ? "real[]" : dataType;

    public static NpgsqlDbType CopyType(Column column) => column.Type switch
    {
        ValueType.Int => NpgsqlDbType.Bigint,
        ValueType.Float => NpgsqlDbType.Double,
        ValueType.String => NpgsqlDbType.Text,
        ValueType.Bool => NpgsqlDbType.Boolean,
        ValueType.Bytes => NpgsqlDbType.Bytea,
        ValueType.Timestamp => NpgsqlDbType.TimestampTz,
        ValueType.Vector => NpgsqlDbType.Array | NpgsqlDbType.Real,
        _ => throw new ArgumentOutOfRangeException(nameof(column), column.Type, $"column {column.Name} has no type"),
    };

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
