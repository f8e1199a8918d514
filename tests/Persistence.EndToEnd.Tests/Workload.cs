using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Stores;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.EndToEnd.Tests;

/// <summary>
/// Query results as a query server publishes them: one row per result, for a few users, with a sequence number as
/// both the value and the observation time, so the newest value per user is known. Plus the other buses' messages.
/// </summary>
public sealed class Workload(int users, DateTimeOffset start)
{
    public const string Age = "user.age";
    public const string Score = "user.score";
    private static readonly FeatureDescriptor[] Features =
    [
        new() { Fqn = Age, Type = ValueType.Int, MaxStaleness = Duration.FromTimeSpan(TimeSpan.FromHours(1)) },
        new() { Fqn = Score, Type = ValueType.Float, MaxStaleness = Duration.FromTimeSpan(TimeSpan.FromHours(1)) },
    ];

    private readonly Dictionary<long, long> _newest = [];
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    public int Published { get; private set; }

    /// <summary>The newest sequence number published per user id: what the online store must hold.</summary>
    public IReadOnlyDictionary<long, long> Newest => _newest;

    public IEnumerable<long> Users => Enumerable.Range(1, users).Select(u => (long)u);

    public OutboundMessage Result(long sequence)
    {
        var user = sequence % users + 1;
        var observed = start.AddMilliseconds(sequence);
        var result = new QueryResult
        {
            QueryId = $"q-{_run}-{sequence}", Environment = "e2e", DeploymentId = "dep-1", OperationName = "GetUser",
            StartedAt = Timestamp.FromDateTimeOffset(observed), FinishedAt = Timestamp.FromDateTimeOffset(observed.AddMilliseconds(2)),
            Latency = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(2)), Namespace = "user", PrimaryKeys = { "user.id" },
            Features = { Features }, StoreOnline = true, StoreOffline = true,
            Rows = { new ResultRow { PrimaryKeys = { Values.Of(user) }, Values = { Values.Of(sequence), Values.Of(sequence * 0.5) }, ObservedAt = Timestamp.FromDateTimeOffset(observed) } },
        };
        _newest[user] = Math.Max(_newest.GetValueOrDefault(user, -1), sequence);
        Published++;
        return new OutboundMessage(result.ToByteArray(), Key: user.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public OutboundMessage QueryLog(int i) => new(new QueryLogEntry
    {
        QueryId = $"log-{_run}-{i}", Environment = "e2e", DeploymentId = "dep-1", OperationName = "GetUser",
        StartedAt = Timestamp.FromDateTimeOffset(start), Latency = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(3)),
        Inputs = { ["user.id"] = Values.Of((long)i) }, Outputs = { Age }, RowCount = 1,
    }.ToByteArray());

    public OutboundMessage Vectors(string index, int count) => new(new VectorBatch
    {
        Index = index, Dimensions = 3,
        Records = { Enumerable.Range(0, count).Select(i => new VectorRecord { Key = $"item-{i}", Values = { i, i + 0.5f, -i }, ObservedAt = Timestamp.FromDateTimeOffset(start) }) },
    }.ToByteArray());

    /// <summary>Not protobuf: the writer that reads it must dead-letter it.</summary>
    public static OutboundMessage Malformed(string marker) =>
        new(Enumerable.Repeat((byte)0xFF, 11).Concat(System.Text.Encoding.UTF8.GetBytes($" not protobuf {marker}")).ToArray()); // an 11-byte varint tag: never valid

}
