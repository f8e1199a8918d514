using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Value = Persistence.Contracts.V1.Value;
using Persistence.Contracts.V1;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Stores;

/// <summary>Conversions between typed proto values, CLR column values and text.</summary>
public static class Values
{
    public static bool IsNull(Value value) => value.KindCase is Value.KindOneofCase.NullValue;

    /// <summary>Whether a value may stand in a column of the given type (null always may).</summary>
    public static bool Matches(Value value, ValueType type) => value.KindCase switch
    {
        Value.KindOneofCase.NullValue => true,
        Value.KindOneofCase.IntValue => type == ValueType.Int,
        Value.KindOneofCase.FloatValue => type == ValueType.Float,
        Value.KindOneofCase.StringValue => type == ValueType.String,
        Value.KindOneofCase.BoolValue => type == ValueType.Bool,
        Value.KindOneofCase.BytesValue => type == ValueType.Bytes,
        Value.KindOneofCase.TimestampValue => type == ValueType.Timestamp,
        Value.KindOneofCase.VectorValue => type == ValueType.Vector,
        _ => false,
    };

    /// <summary>The CLR value stored in a table column (see TableRows).</summary>
    public static object? ToColumn(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.IntValue => value.IntValue,
        Value.KindOneofCase.FloatValue => value.FloatValue,
        Value.KindOneofCase.StringValue => value.StringValue,
        Value.KindOneofCase.BoolValue => value.BoolValue,
        Value.KindOneofCase.BytesValue => value.BytesValue.ToByteArray(),
        Value.KindOneofCase.TimestampValue => value.TimestampValue.ToDateTime(),
        Value.KindOneofCase.VectorValue => value.VectorValue.Values.ToArray(),
        _ => null,
    };

    /// <summary>Stable text of a value, used in keys: the same value always renders the same.</summary>
    public static string ToKeyText(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        Value.KindOneofCase.FloatValue => value.FloatValue.ToString("R", CultureInfo.InvariantCulture),
        Value.KindOneofCase.StringValue => value.StringValue,
        Value.KindOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        Value.KindOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        Value.KindOneofCase.TimestampValue => value.TimestampValue.ToDateTime().ToString("O", CultureInfo.InvariantCulture),
        Value.KindOneofCase.VectorValue => string.Join(',', value.VectorValue.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
        _ => "null",
    };

    public static Value Null() => new() { NullValue = NullValue.NullValue };
    public static Value Of(long v) => new() { IntValue = v };
    public static Value Of(double v) => new() { FloatValue = v };
    public static Value Of(string v) => new() { StringValue = v };
    public static Value Of(bool v) => new() { BoolValue = v };
    public static Value Of(DateTimeOffset v) => new() { TimestampValue = Timestamp.FromDateTimeOffset(v) };
    public static Value Of(float[] v) => new() { VectorValue = new FloatVector { Values = { v } } };
}
