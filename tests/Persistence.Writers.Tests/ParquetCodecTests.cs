using Persistence.Contracts.V1;
using Persistence.Sinks.Offline;
using Persistence.Stores;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writers.Tests;

public sealed class ParquetCodecTests
{
    private static readonly TableSchema Schema = new()
    {
        IdempotencyColumn = "id",
        Columns =
        {
            new Column { Name = "id", Type = ValueType.String }, new Column { Name = "i", Type = ValueType.Int, Nullable = true },
            new Column { Name = "f", Type = ValueType.Float, Nullable = true }, new Column { Name = "b", Type = ValueType.Bool, Nullable = true },
            new Column { Name = "t", Type = ValueType.Timestamp, Nullable = true }, new Column { Name = "y", Type = ValueType.Bytes, Nullable = true },
            new Column { Name = "v", Type = ValueType.Vector, Nullable = true, VectorDimensions = 3 },
        },
    };

    [Fact]
    public async Task Every_value_type_and_null_round_trips()
    {
        var at = new DateTime(2026, 11, 24, 1, 2, 3, DateTimeKind.Utc);
        object?[][] rows =
        [
            ["a", 1L, 1.5, true, at, new byte[] { 9, 8 }, new[] { 1f, 2f, 3f }],
            ["b", null, null, null, null, null, null],
        ];
        var decoded = await ParquetCodec.DecodeAsync(await ParquetCodec.EncodeAsync(Schema, rows), "t", Schema);
        Assert.Equal(2, decoded.Count);
        Assert.Equal(["a", 1L, 1.5, true, at], decoded[0][..5]);
        Assert.Equal(new byte[] { 9, 8 }, (byte[])decoded[0][5]!);
        Assert.Equal(new[] { 1f, 2f, 3f }, (float[])decoded[0][6]!);
        Assert.All(decoded[1][1..], Assert.Null);
    }

    [Fact]
    public async Task A_file_with_a_missing_column_names_the_column_and_what_it_has()
    {
        var narrow = new TableSchema { Columns = { new Column { Name = "id", Type = ValueType.String } } };
        var bytes = await ParquetCodec.EncodeAsync(narrow, [["a"]]);
        var error = await Assert.ThrowsAsync<SchemaConflictException>(() => ParquetCodec.DecodeAsync(bytes, "t", Schema));
        Assert.Contains("no column 'i' (it has: id)", error.Message);
    }
}
