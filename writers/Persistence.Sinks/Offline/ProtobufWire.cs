namespace Persistence.Sinks.Offline;

/// <summary>
/// Protobuf wire primitives over a span, for <see cref="OfflineWireReader"/>. Positions are offsets in the whole
/// payload. Each returns false on anything malformed or outside what it reads: the caller then leaves the message
/// to the protobuf parser.
/// </summary>
internal ref struct ProtobufWire(ReadOnlySpan<byte> data, int baseOffset = 0)
{
    public const int Varint = 0, Fixed64 = 1, Delimited = 2;
    private const long MinSeconds = -62_135_596_800, MaxSeconds = 253_402_300_799; // 0001-01-01 .. 9999-12-31, what a Timestamp may hold

    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool End => _position >= _data.Length;

    public bool ReadTag(out int field, out int wireType)
    {
        (field, wireType) = (0, 0);
        if (!ReadVarint(out var tag) || tag > int.MaxValue || tag >> 3 == 0) return false;
        (field, wireType) = ((int)(tag >> 3), (int)(tag & 7));
        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public bool ReadVarint(out ulong value)
    {
        // Tags, lengths and most small numbers are one byte: read inline; the rest takes the loop.
        if ((uint)_position < (uint)_data.Length && _data[_position] is var first && first < 0x80)
        {
            _position++;
            value = first;
            return true;
        }
        return ReadLongVarint(out value);
    }

    private bool ReadLongVarint(out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length) return false;
            var b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }

    public bool ReadFixed64(out ulong value)
    {
        value = 0;
        if (_data.Length - _position < 8) return false;
        value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_data[_position..]);
        _position += 8;
        return true;
    }

    /// <summary>A length-delimited field: its start (in the payload) and length, skipped over.</summary>
    public bool ReadDelimited(out int start, out int length)
    {
        (start, length) = (0, 0);
        if (!ReadVarint(out var size) || size > (ulong)(_data.Length - _position)) return false;
        (start, length) = (baseOffset + _position, (int)size);
        _position += (int)size;
        return true;
    }

    /// <summary>A google.protobuf.Timestamp within the range a DateTime holds, as UTC (what Timestamp.ToDateTime gives).</summary>
    public static bool Timestamp(ReadOnlySpan<byte> message, out DateTime at)
    {
        at = default;
        if (!SecondsAndNanos(message, out var seconds, out var nanos)) return false;
        if (seconds is < MinSeconds or > MaxSeconds || nanos is < 0 or > 999_999_999) return false;
        at = DateTime.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + nanos / 100);
        return true;
    }

    /// <summary>A google.protobuf.Duration in milliseconds, through its own conversion (which refuses a denormal one).</summary>
    public static bool Duration(ReadOnlySpan<byte> message, out double milliseconds)
    {
        milliseconds = 0;
        if (!SecondsAndNanos(message, out var seconds, out var nanos)) return false;
        try
        {
            milliseconds = new Google.Protobuf.WellKnownTypes.Duration { Seconds = seconds, Nanos = nanos }.ToTimeSpan().TotalMilliseconds;
        }
        catch (Exception e) when (e is InvalidOperationException or OverflowException)
        {
            return false; // denormal or out of range: the reference path reports it
        }
        return true;
    }

    private static bool SecondsAndNanos(ReadOnlySpan<byte> message, out long seconds, out int nanos)
    {
        (seconds, nanos) = (0, 0);
        var wire = new ProtobufWire(message);
        var (seenSeconds, seenNanos) = (false, false);
        while (!wire.End)
        {
            if (!wire.ReadTag(out var field, out var type) || type != Varint || !wire.ReadVarint(out var value)) return false;
            if (field == 1 && !seenSeconds) (seconds, seenSeconds) = ((long)value, true);
            else if (field == 2 && !seenNanos) (nanos, seenNanos) = ((int)value, true);
            else return false;
        }
        return true;
    }
}
