using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks;
using Persistence.Sinks.Offline;
using Persistence.Sinks.Registry;
using Persistence.Stores;
using Value = Persistence.Contracts.V1.Value;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writers.Tests;

/// <summary>
/// The offline writer's wire reader against the reference (the protobuf parser, validation and OfflineResult.From):
/// the same result for every shape it reads, the reference's answer (and its error) for every shape it does not, and
/// parquet byte-identical to the codec fed the rows the boxed-row API builds.
/// </summary>
public sealed class OfflineResultDecoderTests
{
    private static readonly ValueType[] Types = [ValueType.Int, ValueType.Float, ValueType.String, ValueType.Bool, ValueType.Timestamp, ValueType.Bytes, ValueType.Vector];

    [Fact]
    public void Every_value_type_null_key_shape_and_header_reads_from_the_wire_as_the_reference_converts_it()
    {
        var random = new Random(7);
        for (var n = 0; n < 300; n++)
        {
            var result = RandomResult(random, n);
            var payload = result.ToByteArray();
            var fast = OfflineWireReader.TryRead(payload);
            Assert.True(fast is not null, $"result {n} fell back to the parser: {result}");
            AssertSame(Reference(payload), fast);
        }
    }

    [Fact]
    public void Shapes_the_reader_leaves_to_the_parser_decode_as_the_reference_does()
    {
        var feature = TestData.Feature("user.age", ValueType.Int);
        var plain = TestData.Result("q1", DateTimeOffset.UnixEpoch.AddDays(1), [feature], (1, [Values.Of(5L)]));
        var floatKey = plain.Clone();
        floatKey.Rows[0].PrimaryKeys[0] = Values.Of(1.5);
        var unknownField = Concat(plain.ToByteArray(), [0xF8, 0x06, 0x01]); // field 111, varint 1
        var queryIdTwice = Concat(plain.ToByteArray(), new QueryResult { QueryId = "q2" }.ToByteArray());
        var unpackedVector = UnpackedVectorResult();
        foreach (var (name, payload) in new[] { ("float key", floatKey.ToByteArray()), ("unknown field", unknownField), ("query_id twice", queryIdTwice), ("unpacked vector", unpackedVector) })
        {
            Assert.True(OfflineWireReader.TryRead(payload) is null, $"{name}: expected the parser to decide");
            AssertSame(Reference(payload), Decode(payload));
        }
        Assert.Equal("q2", Decode(queryIdTwice).QueryId); // the last occurrence wins, as protobuf says
    }

    [Fact]
    public void Invalid_results_are_refused_with_the_reference_reason()
    {
        var feature = TestData.Feature("user.age", ValueType.Int);
        QueryResult Valid() => TestData.Result("q1", DateTimeOffset.UnixEpoch.AddDays(1), [feature], (1, [Values.Of(5L)]));
        var cases = new List<(string Name, Action<QueryResult> Break)>
        {
            ("no query id", r => r.QueryId = " "),
            ("no primary keys", r => r.PrimaryKeys.Clear()),
            ("no fqn", r => r.Features[0].Fqn = ""),
            ("no type", r => r.Features[0].Type = ValueType.Unspecified),
            ("key count", r => r.Rows[0].PrimaryKeys.Add(Values.Of(2L))),
            ("value count", r => r.Rows[0].Values.Add(Values.Of(2L))),
            ("no observed_at", r => r.Rows[0].ObservedAt = null),
            ("no kind", r => r.Rows[0].Values[0] = new Value()),
            ("wrong kind", r => r.Rows[0].Values[0] = Values.Of("five")),
            ("timestamp out of range", r => r.Rows[0].ObservedAt = new Timestamp { Seconds = 253_402_300_800 }),
        };
        foreach (var (name, breakIt) in cases)
        {
            var result = Valid();
            breakIt(result);
            var payload = result.ToByteArray();
            var expected = Assert.Throws<MessageDecodeException>(() => Reference(payload));
            var actual = Assert.Throws<MessageDecodeException>(() => Decode(payload));
            Assert.True(expected.Message == actual.Message, $"{name}: '{actual.Message}', the reference says '{expected.Message}'");
        }
        Assert.Throws<MessageDecodeException>(() => Decode([0x0A, 0x05, 0x71])); // truncated
    }

    [Fact]
    public async Task The_sink_encodes_the_same_parquet_as_the_codec_fed_boxed_rows_of_the_same_results()
    {
        var random = new Random(11);
        var features = Types.Select(t => new FeatureDescriptor { Fqn = $"t.{t.ToString().ToLowerInvariant()}", Type = t, VectorDimensions = t == ValueType.Vector ? 3u : 0 }).ToArray();
        var results = Enumerable.Range(0, 12).Select(n => RandomResult(random, n, features)).ToArray();
        await using var temp = new TempDatabase();
        var published = new RecordingPublisher();
        var sink = new OfflineWriterSink(new Persistence.Stores.Embedded.DuckDbOfflineStore(temp.Db), published);
        Assert.Empty((await sink.WriteAsync(TestData.OfflineBatch(results), default)).Rejected);

        var inserts = published.Published.Select(p => StreamingInsert.Parser.ParseFrom(p.Payload.Span)).ToDictionary(i => i.Table);
        results = [.. results.Where(r => r.StoreOffline)]; // the others publish nothing
        Assert.InRange(results.Length, 2, 11);
        foreach (var (feature, f) in features.Select((feature, f) => (feature, f)))
        {
            var rows = results.SelectMany(result => result.Rows.Select((row, r) => new object?[]
            {
                FeatureTables.ObservationIdOf(result.QueryId, r, feature.Fqn), ResultValidation.EntityKey(result, row), Values.ToColumn(row.Values[f]),
                row.ObservedAt.ToDateTime(), result.QueryId, result.Environment,
            })).ToList();
            var expected = await ParquetCodec.EncodeAsync(FeatureTables.FeatureSchema(feature), rows);
            Assert.True(expected.AsSpan().SequenceEqual(inserts[FeatureTables.TableFor(feature.Fqn)].Parquet.Span), $"{feature.Fqn}: parquet differs");
        }
        var log = results.Select(result => new object?[]
        {
            result.QueryId, result.Environment, result.DeploymentId, result.OperationName, result.StartedAt?.ToDateTime(),
            result.Latency?.ToTimeSpan().TotalMilliseconds ?? 0d, (long)result.Rows.Count, (long)result.Features.Count,
        }).ToList();
        Assert.True((await ParquetCodec.EncodeAsync(FeatureTables.QueryLogSchema, log)).AsSpan().SequenceEqual(inserts[FeatureTables.QueryLog].Parquet.Span), "query_log: parquet differs");
    }

    private static OfflineResult Decode(byte[] payload) => WriterFactory.OfflineResults.Decode(Message(payload));

    private static OfflineResult Reference(byte[] payload) =>
        OfflineResult.From(WriterFactory.QueryResults.Decode(Message(payload)));

    private static InboundMessage Message(byte[] payload) => new("m-1", payload, InboundMessage.NoAttributes);

    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];

    /// <summary>A vector feature whose floats come one field each (legal protobuf, not what a packed writer sends).</summary>
    private static byte[] UnpackedVectorResult()
    {
        var result = TestData.Result("q1", DateTimeOffset.UnixEpoch.AddDays(1), [new FeatureDescriptor { Fqn = "user.v", Type = ValueType.Vector }], (1, [Values.Null()]));
        var head = result.ToByteArray();
        using var extra = new MemoryStream();
        var output = new CodedOutputStream(extra);
        // Row 2 by hand: primary key 2, a vector value of two unpacked floats, observed_at.
        var row = new MemoryStream();
        var rowOut = new CodedOutputStream(row);
        rowOut.WriteTag(1, WireFormat.WireType.LengthDelimited); rowOut.WriteBytes(Values.Of(2L).ToByteString());
        var vector = new MemoryStream();
        var vectorOut = new CodedOutputStream(vector);
        vectorOut.WriteTag(1, WireFormat.WireType.Fixed32); vectorOut.WriteFloat(1f);
        vectorOut.WriteTag(1, WireFormat.WireType.Fixed32); vectorOut.WriteFloat(2f);
        vectorOut.Flush();
        var value = new MemoryStream();
        var valueOut = new CodedOutputStream(value);
        valueOut.WriteTag(7, WireFormat.WireType.LengthDelimited); valueOut.WriteBytes(ByteString.CopyFrom(vector.ToArray()));
        valueOut.Flush();
        rowOut.WriteTag(2, WireFormat.WireType.LengthDelimited); rowOut.WriteBytes(ByteString.CopyFrom(value.ToArray()));
        rowOut.WriteTag(3, WireFormat.WireType.LengthDelimited); rowOut.WriteBytes(new Timestamp { Seconds = 86_400 }.ToByteString());
        rowOut.Flush();
        output.WriteTag(11, WireFormat.WireType.LengthDelimited); output.WriteBytes(ByteString.CopyFrom(row.ToArray()));
        output.Flush();
        return Concat(head, extra.ToArray());
    }

    private static QueryResult RandomResult(Random random, int n, FeatureDescriptor[]? features = null)
    {
        features ??= Enumerable.Range(0, random.Next(0, 6)).Select(f => Types[random.Next(Types.Length)]).Select((t, f) =>
            new FeatureDescriptor { Fqn = $"ns{n % 3}.f{f}_{t.ToString().ToLowerInvariant()}", Type = t, VectorDimensions = t == ValueType.Vector ? 3u : 0 }).ToArray();
        var stringKeys = random.Next(3) == 0;
        var keyCount = random.Next(1, 3);
        var result = new QueryResult
        {
            QueryId = $"q-{n}-ü", Environment = random.Next(4) == 0 ? "" : "prod", DeploymentId = "d", OperationName = random.Next(2) == 0 ? "" : "op",
            Namespace = random.Next(5) == 0 ? "" : "user", Features = { features }, StoreOffline = random.Next(6) != 0, StoreOnline = random.Next(2) == 0,
        };
        for (var k = 0; k < keyCount; k++) result.PrimaryKeys.Add($"k{k}");
        if (random.Next(3) != 0) result.StartedAt = new Timestamp { Seconds = random.NextInt64(-62_135_596_800, 253_402_300_799), Nanos = random.Next(1_000_000_000) };
        if (random.Next(3) != 0) result.Latency = Duration.FromTimeSpan(TimeSpan.FromTicks(random.NextInt64(0, TimeSpan.TicksPerHour)));
        var rows = random.Next(0, 12);
        for (var r = 0; r < rows; r++)
        {
            var row = new ResultRow { ObservedAt = new Timestamp { Seconds = random.NextInt64(-62_135_596_800, 253_402_300_799), Nanos = random.Next(1_000_000_000) } };
            for (var k = 0; k < keyCount; k++)
                row.PrimaryKeys.Add(stringKeys ? Values.Of(random.Next(2) == 0 ? "" : $"ké{random.Next()}") : Values.Of(random.NextInt64(long.MinValue, long.MaxValue)));
            foreach (var feature in features)
                row.Values.Add(random.Next(4) == 0 ? Values.Null() : RandomValue(random, feature.Type));
            result.Rows.Add(row);
        }
        return result;
    }

    private static Value RandomValue(Random random, ValueType type) => type switch
    {
        ValueType.Int => Values.Of(random.Next(2) == 0 ? 0L : random.NextInt64(long.MinValue, long.MaxValue)),
        ValueType.Float => Values.Of(random.Next(5) == 0 ? double.NaN : random.NextDouble() * 1e6 - 5e5),
        ValueType.String => Values.Of(random.Next(3) == 0 ? "" : $"s{random.Next()}\u00e9\u4e2d\U0001F600"),
        ValueType.Bool => Values.Of(random.Next(2) == 0),
        ValueType.Timestamp => new Value { TimestampValue = new Timestamp { Seconds = random.NextInt64(-62_135_596_800, 253_402_300_799), Nanos = random.Next(1_000_000_000) } },
        ValueType.Bytes => new Value { BytesValue = ByteString.CopyFrom([.. Enumerable.Range(0, random.Next(0, 5)).Select(_ => (byte)random.Next(256))]) },
        _ => Values.Of([.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => (float)random.NextDouble())]),
    };

    private static void AssertSame(OfflineResult expected, OfflineResult actual)
    {
        Assert.Equal(
            (expected.QueryId, expected.Environment, expected.DeploymentId, expected.OperationName, expected.StartedAt, expected.LatencyMilliseconds, expected.StoreOffline),
            (actual.QueryId, actual.Environment, actual.DeploymentId, actual.OperationName, actual.StartedAt, actual.LatencyMilliseconds, actual.StoreOffline));
        Assert.Equal(expected.Features, actual.Features);
        Assert.Equal(expected.EntityKeys, actual.EntityKeys);
        Assert.Equal(expected.ObservedAt, actual.ObservedAt);
        Assert.All(actual.ObservedAt, at => Assert.Equal(DateTimeKind.Utc, at.Kind));
        Assert.Equal(expected.Scalars.Length, actual.Scalars.Length);
        for (var i = 0; i < expected.Scalars.Length; i++)
        {
            Assert.Equal(expected.IsNull(i), actual.IsNull(i));
            if (expected.IsNull(i)) continue;
            Assert.Equal(expected.Scalars[i], actual.Scalars[i]);
            Assert.Equal(expected.Texts?[i], actual.Texts?[i]);
            Assert.Equal(expected.Binaries?[i].ToArray(), actual.Binaries?[i].ToArray());
        }
    }
}
