using Persistence.Stores;
using Google.Protobuf;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks;
using Persistence.Sinks.Registry;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writers.Tests;

/// <summary>A result-bus message that cannot be decoded or is inconsistent is a typed error, never a crash.</summary>
public sealed class ResultValidationTests
{
    private static MessageDecodeException Decode(byte[] bytes) =>
        Assert.Throws<MessageDecodeException>(() => WriterFactory.QueryResults.Decode(new InboundMessage("m", bytes, InboundMessage.NoAttributes)));

    [Fact]
    public void Garbage_bytes_name_the_expected_message_type()
    {
        Assert.Contains("is not a valid QueryResult", Decode([0xFF, 0xFF, 0xFF, 0x0F, 0x01]).Message);
    }

    [Theory]
    [InlineData("values", "row 0 has 0 values for 1 features")]
    [InlineData("type", "declared Int but holds StringValue")]
    [InlineData("unset", "has no value (use null_value for nulls)")]
    [InlineData("keys", "no primary_keys")]
    public void Inconsistent_results_are_rejected_with_the_reason(string defect, string reason)
    {
        var result = TestData.Result("q1", DateTimeOffset.UtcNow, [TestData.Feature("user.age", ValueType.Int)], (1, [Values.Of(3L)]));
        switch (defect)
        {
            case "values": result.Rows[0].Values.Clear(); break;
            case "type": result.Rows[0].Values[0] = Values.Of("three"); break;
            case "unset": result.Rows[0].Values[0] = new Persistence.Contracts.V1.Value(); break;
            case "keys": result.PrimaryKeys.Clear(); break;
        }
        Assert.Contains(reason, Decode(result.ToByteArray()).Message);
    }
}
