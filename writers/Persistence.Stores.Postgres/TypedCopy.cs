using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Persistence.Contracts.V1;
using Persistence.Stores;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Stores.Postgres;

/// <summary>Binary COPY of rows into a table, each value written with its column's type (no boxed write per value).</summary>
internal static class TypedCopy
{
    public static async Task<long> IntoAsync(NpgsqlConnection connection, string table, TableSchema schema, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", schema.Columns.Select(c => PostgresColumns.Quote(c.Name)));
        var types = schema.Columns.Select(c => c.Type).ToArray();
        await using var copy = await connection.BeginBinaryImportAsync($"COPY {PostgresColumns.Quote(table)} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
            for (var c = 0; c < types.Length; c++)
            {
                var value = row[c];
                var write = value is null ? copy.WriteNullAsync(cancellationToken) : types[c] switch
                {
                    ValueType.Int => copy.WriteAsync(Convert.ToInt64(value, CultureInfo.InvariantCulture), NpgsqlDbType.Bigint, cancellationToken),
                    ValueType.Float => copy.WriteAsync(Convert.ToDouble(value, CultureInfo.InvariantCulture), NpgsqlDbType.Double, cancellationToken),
                    ValueType.String => copy.WriteAsync((string)value, NpgsqlDbType.Text, cancellationToken),
                    ValueType.Bool => copy.WriteAsync((bool)value, NpgsqlDbType.Boolean, cancellationToken),
                    ValueType.Bytes => copy.WriteAsync((byte[])value, NpgsqlDbType.Bytea, cancellationToken),
                    ValueType.Timestamp => copy.WriteAsync(value is DateTimeOffset o ? o.UtcDateTime : (DateTime)value, NpgsqlDbType.TimestampTz, cancellationToken),
                    ValueType.Vector => copy.WriteAsync((float[])value, NpgsqlDbType.Array | NpgsqlDbType.Real, cancellationToken),
                    _ => throw new SchemaConflictException($"column type {types[c]} cannot be stored"),
                };
                await write.ConfigureAwait(false);
            }
        }
        return (long)await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
