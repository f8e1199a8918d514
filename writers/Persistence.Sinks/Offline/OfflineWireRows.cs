using System.Buffers.Binary;
using System.Globalization;
using static Persistence.Sinks.Offline.ProtobufWire;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Sinks.Offline;

internal static partial class OfflineWireReader
{
    /// <summary>A result's rows as <see cref="OfflineResult"/> holds them, filled by <see cref="ReadRows"/>.</summary>
    private sealed class RowValues(int rows, Recent shape)
    {
        public readonly ValueType[] Types = shape.Types;
        public readonly string[] Keys = new string[rows];
        public readonly DateTime[] Observed = new DateTime[rows];
        public readonly long[] Scalars = new long[rows * shape.Types.Length];
        public bool[]? Nulls;
        public readonly string?[]? Texts = shape.AnyText ? new string?[rows * shape.Types.Length] : null;
        public readonly ReadOnlyMemory<byte>[]? Binaries = shape.AnyBinary ? new ReadOnlyMemory<byte>[rows * shape.Types.Length] : null;
    }

    /// <summary>Every row: its keys, one value per feature of that feature's type (or null), and its observed-at.</summary>
    private static bool ReadRows(ReadOnlyMemory<byte> memory, Recent recent, RowValues into, int primaryKeys, string ns)
    {
        var payload = memory.Span;
        var (rows, count) = (recent.RowSlices, into.Types.Length);
        Span<(int Start, int Length)> keyParts = primaryKeys <= 8 ? stackalloc (int, int)[primaryKeys] : new (int, int)[primaryKeys];
        for (var r = 0; r < rows.Count; r++)
        {
            var wire = new ProtobufWire(payload.Slice(rows[r].Start, rows[r].Length), rows[r].Start);
            var (keyCount, valueCount, seenObserved) = (0, 0, false);
            while (!wire.End)
            {
                if (!wire.ReadTag(out var field, out var type) || type != Delimited || !wire.ReadDelimited(out var start, out var length)) return false;
                switch (field)
                {
                    case 1:
                        if (keyCount == primaryKeys) return false;
                        keyParts[keyCount++] = (start, length);
                        break;
                    case 2:
                        if (valueCount == count) return false;
                        var at = r * count + valueCount;
                        // The usual float value, a tag and eight bytes, read in place; everything else through Value.
                        if (length == 9 && payload[start] == (Fixed64 | 2 << 3) && into.Types[valueCount] == ValueType.Float)
                            into.Scalars[at] = BinaryPrimitives.ReadInt64LittleEndian(payload.Slice(start + 1, 8));
                        else if (!Value(memory, start, length, into.Types[valueCount], at, into)) return false;
                        valueCount++;
                        break;
                    case 3:
                        if (seenObserved || !Timestamp(payload.Slice(start, length), out into.Observed[r])) return false;
                        seenObserved = true;
                        break;
                    default:
                        return false;
                }
            }
            if (keyCount != primaryKeys || valueCount != count || !seenObserved) return false;
            if (EntityKey(payload, recent, ns, keyParts) is not { } key) return false;
            into.Keys[r] = key;
        }
        return true;
    }

    /// <summary>One value, which must be of its feature's type or null; false for anything else.</summary>
    private static bool Value(ReadOnlyMemory<byte> memory, int offset, int length, ValueType type, int at, RowValues into)
    {
        var wire = new ProtobufWire(memory.Span.Slice(offset, length), offset);
        if (!wire.ReadTag(out var field, out var wireType)) return false;
        ulong bits = 0;
        int start = 0, size = 0;
        var ok = wireType switch
        {
            Varint => wire.ReadVarint(out bits),
            Fixed64 => wire.ReadFixed64(out bits),
            Delimited => wire.ReadDelimited(out start, out size),
            _ => false,
        };
        if (!ok || !wire.End) return false; // a second field: the oneof's last would win, the parser settles it
        switch (field)
        {
            case 8 when wireType == Varint:
                (into.Nulls ??= new bool[into.Scalars.Length])[at] = true;
                return true;
            case 1 when wireType == Varint && type == ValueType.Int: into.Scalars[at] = (long)bits; return true;
            case 2 when wireType == Fixed64 && type == ValueType.Float: into.Scalars[at] = (long)bits; return true;
            case 4 when wireType == Varint && type == ValueType.Bool: into.Scalars[at] = bits != 0 ? 1 : 0; return true;
            case 6 when wireType == Delimited && type == ValueType.Timestamp:
                if (!Timestamp(memory.Span.Slice(start, size), out var time)) return false;
                into.Scalars[at] = time.Ticks;
                return true;
            case 3 when wireType == Delimited && type == ValueType.String:
                into.Texts![at] = Strict.GetString(memory.Span.Slice(start, size));
                return true;
            case 5 when wireType == Delimited && type == ValueType.Bytes:
                into.Binaries![at] = memory.Slice(start, size); // the payload's own bytes: it outlives the batch's encoding
                return true;
            case 7 when wireType == Delimited && type == ValueType.Vector && BitConverter.IsLittleEndian:
                return PackedFloats(memory, start, size, out into.Binaries![at]);
            default:
                return false;
        }
    }

    /// <summary>A FloatVector of one packed field: its bytes are already the little-endian floats the column holds.</summary>
    private static bool PackedFloats(ReadOnlyMemory<byte> memory, int offset, int length, out ReadOnlyMemory<byte> floats)
    {
        floats = ReadOnlyMemory<byte>.Empty;
        if (length == 0) return true;
        var wire = new ProtobufWire(memory.Span.Slice(offset, length), offset);
        if (!wire.ReadTag(out var field, out var type) || field != 1 || type != Delimited || !wire.ReadDelimited(out var start, out var size) || !wire.End || size % 4 != 0) return false;
        floats = memory.Slice(start, size);
        return true;
    }

    /// <summary>"{namespace}:{key}", keys joined by '|', for integer and string keys (as <see cref="ResultValidation.EntityKey"/>).</summary>
    private static string? EntityKey(ReadOnlySpan<byte> payload, Recent recent, string ns, ReadOnlySpan<(int Start, int Length)> parts)
    {
        Span<char> digits = stackalloc char[20];
        if (parts.Length == 1 && IntegerKey(payload.Slice(parts[0].Start, parts[0].Length), parts[0].Start) is { } single)
        {
            // One integer key, the usual entity: no builder.
            single.TryFormat(digits, out var length, default, CultureInfo.InvariantCulture);
            return string.Concat(ns.AsSpan(), ":", digits[..length]);
        }
        var builder = recent.Key.Clear().Append(ns).Append(':');
        for (var k = 0; k < parts.Length; k++)
        {
            var wire = new ProtobufWire(payload.Slice(parts[k].Start, parts[k].Length), parts[k].Start);
            if (k > 0) builder.Append('|');
            if (!wire.ReadTag(out var field, out var type)) return null;
            if (field == 1 && type == Varint && wire.ReadVarint(out var number) && wire.End && ((long)number).TryFormat(digits, out var written, default, CultureInfo.InvariantCulture))
                builder.Append(digits[..written]);
            else if (field == 3 && type == Delimited && wire.ReadDelimited(out var start, out var length) && wire.End)
                builder.Append(Strict.GetString(payload.Slice(start, length)));
            else
                return null; // other key types: the reference formats them
        }
        return builder.ToString();
    }

    private static long? IntegerKey(ReadOnlySpan<byte> value, int offset)
    {
        var wire = new ProtobufWire(value, offset);
        return wire.ReadTag(out var field, out var type) && field == 1 && type == Varint && wire.ReadVarint(out var number) && wire.End ? (long)number : null;
    }
}
