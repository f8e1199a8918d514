using System.Text;
using Google.Protobuf;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
using static Persistence.Sinks.Offline.ProtobufWire;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Sinks.Offline;

/// <summary>
/// Decodes a result-bus message for the offline writer. The usual shapes (one occurrence of each field, values of
/// their feature's type, integer or string primary keys, packed vectors) are read from the wire straight into an
/// <see cref="OfflineResult"/>; anything else (unknown fields, a field repeated, a message that fails validation)
/// goes through the protobuf parser, <see cref="ResultValidation"/> and <see cref="OfflineResult.From"/>, so errors and
/// edge cases behave exactly as they do for every other result-bus writer.
/// </summary>
/// <param name="reference">The result-bus decoder every other writer uses (parser and validation).</param>
public sealed class OfflineResultDecoder(IMessageDecoder<QueryResult> reference) : IMessageDecoder<OfflineResult>
{
    public OfflineResult Decode(InboundMessage message) =>
        OfflineWireReader.TryRead(message.Payload) ?? OfflineResult.From(reference.Decode(message));
}

/// <summary>The wire reader behind <see cref="OfflineResultDecoder"/>: returns null for whatever it does not read itself.</summary>
internal static partial class OfflineWireReader
{
    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    /// <summary>
    /// What this thread decoded last, and its scratch space: results of one query shape repeat their features and
    /// header strings, which are then shared rather than decoded again.
    /// </summary>
    private sealed class Recent
    {
        public byte[][] FeatureBytes = [];
        public FeatureDescriptor[] Features = [];
        public ValueType[] Types = [];
        public bool AnyText, AnyBinary; // of Types, derived when the features change
        public readonly byte[]?[] TextBytes = new byte[]?[4];
        public readonly string?[] Texts = new string?[4];
        public readonly List<(int Start, int Length)> FeatureSlices = new(16);
        public readonly List<(int Start, int Length)> RowSlices = new(64);
        public readonly StringBuilder Key = new(64);
    }

    [ThreadStatic] private static Recent? _recent;

    public static OfflineResult? TryRead(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return Read(payload, _recent ??= new Recent());
        }
        catch (Exception e) when (e is DecoderFallbackException or InvalidProtocolBufferException)
        {
            return null; // not UTF-8, or a malformed descriptor: the parser decides what that means
        }
    }

    private static OfflineResult? Read(ReadOnlyMemory<byte> memory, Recent recent)
    {
        var payload = memory.Span;
        var wire = new ProtobufWire(payload);
        string? queryId = null, environment = null, deployment = null, operation = null, ns = null;
        DateTime? started = null;
        double latency = 0;
        bool? storeOffline = null, storeOnline = null;
        var (finished, latencySeen, primaryKeys) = (false, false, 0);
        var (features, rows) = (recent.FeatureSlices, recent.RowSlices);
        features.Clear();
        rows.Clear();
        while (!wire.End)
        {
            if (!wire.ReadTag(out var field, out var type)) return null;
            switch (field)
            {
                case >= 1 and <= 4 or 8 when type == Delimited:
                    if (!wire.ReadDelimited(out var start, out var length)) return null;
                    var bytes = payload.Slice(start, length);
                    switch (field)
                    {
                        case 1 when queryId is null: queryId = Strict.GetString(bytes); break;
                        case 2 when environment is null: environment = Text(recent, 0, bytes); break;
                        case 3 when deployment is null: deployment = Text(recent, 1, bytes); break;
                        case 4 when operation is null: operation = Text(recent, 2, bytes); break;
                        case 8 when ns is null: ns = Text(recent, 3, bytes); break;
                        default: return null; // given twice: the last wins in the parser, which settles it
                    }
                    break;
                case 5 or 6 when type == Delimited:
                    if (!wire.ReadDelimited(out start, out length) || !Timestamp(payload.Slice(start, length), out var at)) return null;
                    if (field == 5) { if (started is not null) return null; started = at; }
                    else { if (finished) return null; finished = true; }
                    break;
                case 7 when type == Delimited:
                    if (latencySeen || !wire.ReadDelimited(out start, out length) || !Duration(payload.Slice(start, length), out latency)) return null;
                    latencySeen = true;
                    break;
                case 9 when type == Delimited:
                    if (!wire.ReadDelimited(out _, out _)) return null;
                    primaryKeys++;
                    break;
                case 10 when type == Delimited:
                    if (!wire.ReadDelimited(out start, out length)) return null;
                    features.Add((start, length));
                    break;
                case 11 when type == Delimited:
                    if (!wire.ReadDelimited(out start, out length)) return null;
                    rows.Add((start, length));
                    break;
                case 12 or 13 when type == Varint:
                    if (!wire.ReadVarint(out var flag) || (field == 12 ? storeOnline : storeOffline) is not null) return null;
                    if (field == 12) storeOnline = flag != 0;
                    else storeOffline = flag != 0;
                    break;
                default:
                    return null; // an unknown field or wire type: the parser keeps or refuses it
            }
        }
        // What validation refuses, the reference path reports in its words.
        if (string.IsNullOrWhiteSpace(queryId) || primaryKeys == 0 || !Features(payload, recent)) return null;
        var values = new RowValues(rows.Count, recent);
        if (!ReadRows(memory, recent, values, primaryKeys, ns ?? "")) return null;
        return new OfflineResult
        {
            QueryId = queryId, Environment = environment ?? "", DeploymentId = deployment ?? "", OperationName = operation ?? "",
            StartedAt = started, LatencyMilliseconds = latency, StoreOffline = storeOffline ?? false, Features = recent.Features,
            EntityKeys = values.Keys, ObservedAt = values.Observed, Scalars = values.Scalars, Nulls = values.Nulls, Texts = values.Texts, Binaries = values.Binaries,
        };
    }

    /// <summary>A header string, shared with the previous result's when its bytes are the same.</summary>
    private static string Text(Recent recent, int slot, ReadOnlySpan<byte> bytes)
    {
        if (recent.TextBytes[slot] is { } last && bytes.SequenceEqual(last)) return recent.Texts[slot]!;
        var text = Strict.GetString(bytes);
        (recent.TextBytes[slot], recent.Texts[slot]) = (bytes.ToArray(), text);
        return text;
    }

    /// <summary>Makes <see cref="Recent.Features"/> this result's features: the previous ones when the bytes are the same.</summary>
    private static bool Features(ReadOnlySpan<byte> payload, Recent recent)
    {
        var slices = recent.FeatureSlices;
        if (recent.FeatureBytes.Length == slices.Count)
        {
            var same = true;
            for (var f = 0; f < slices.Count && same; f++)
                same = payload.Slice(slices[f].Start, slices[f].Length).SequenceEqual(recent.FeatureBytes[f]);
            if (same) return true;
        }
        var bytes = new byte[slices.Count][];
        var descriptors = new FeatureDescriptor[slices.Count];
        for (var f = 0; f < slices.Count; f++)
        {
            bytes[f] = payload.Slice(slices[f].Start, slices[f].Length).ToArray();
            // The parser itself: a descriptor is small and, per query shape, parsed once.
            var descriptor = FeatureDescriptor.Parser.ParseFrom(bytes[f]);
            if (string.IsNullOrWhiteSpace(descriptor.Fqn) || descriptor.Type == ValueType.Unspecified) return false;
            descriptors[f] = descriptor;
        }
        (recent.FeatureBytes, recent.Features, recent.Types) = (bytes, descriptors, [.. descriptors.Select(d => d.Type)]);
        recent.AnyText = recent.Types.Contains(ValueType.String);
        recent.AnyBinary = recent.Types.Any(t => t is ValueType.Bytes or ValueType.Vector);
        return true;
    }
}
