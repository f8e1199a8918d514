using System.Globalization;
using System.Text.Json;
using Persistence.Contracts.V1;
using Value = Persistence.Contracts.V1.Value;

namespace Persistence.Stores.Http.Mirror;

/// <summary>
/// The HTTP request a query-log entry replays as:
/// <code>
/// POST {ApiServerHost}{Path}              (default path /v1/query/online)
/// Content-Type: application/json
/// X-Persistence-Mirror: 1                 (the API server must not mirror or persist it again)
/// X-Persistence-Mirror-Query-Id: {query_id}
/// Idempotency-Key: mirror-{query_id}
/// Authorization: Bearer {token}           (only with Stores:Mirror:TokenPath)
///
/// {"inputs": {"user.id": 42, ...}, "outputs": ["user.score", ...], "operation_name": "...",
///  "environment": "...", "deployment_id": "...",
///  "mirror_of": {"query_id": "...", "started_at": "2024-01-01T00:00:00.0000000Z", "latency_ms": 3.5, "row_count": 10}}
/// </code>
/// Input values map to JSON: int and float to numbers (NaN/Infinity as strings), bytes to base64, timestamps to
/// ISO 8601 UTC, vectors to arrays of numbers, null to null.
/// </summary>
public static class MirrorRequest
{
    public const string MirrorHeader = "X-Persistence-Mirror";
    public const string QueryIdHeader = "X-Persistence-Mirror-Query-Id";

    public static byte[] Body(QueryLogEntry entry)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("inputs");
            foreach (var (name, value) in entry.Inputs.OrderBy(i => i.Key, StringComparer.Ordinal))
            {
                json.WritePropertyName(name);
                WriteValue(json, value);
            }
            json.WriteEndObject();
            json.WriteStartArray("outputs");
            foreach (var output in entry.Outputs) json.WriteStringValue(output);
            json.WriteEndArray();
            json.WriteString("operation_name", entry.OperationName);
            json.WriteString("environment", entry.Environment);
            json.WriteString("deployment_id", entry.DeploymentId);
            json.WriteStartObject("mirror_of");
            json.WriteString("query_id", entry.QueryId);
            if (entry.StartedAt is not null) json.WriteString("started_at", entry.StartedAt.ToDateTime().ToString("O", CultureInfo.InvariantCulture));
            if (entry.Latency is not null) json.WriteNumber("latency_ms", entry.Latency.ToTimeSpan().TotalMilliseconds);
            json.WriteNumber("row_count", entry.RowCount);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteValue(Utf8JsonWriter json, Value value)
    {
        switch (value.KindCase)
        {
            case Value.KindOneofCase.IntValue: json.WriteNumberValue(value.IntValue); break;
            case Value.KindOneofCase.FloatValue: WriteDouble(json, value.FloatValue); break;
            case Value.KindOneofCase.StringValue: json.WriteStringValue(value.StringValue); break;
            case Value.KindOneofCase.BoolValue: json.WriteBooleanValue(value.BoolValue); break;
            case Value.KindOneofCase.BytesValue: json.WriteBase64StringValue(value.BytesValue.Span); break;
            case Value.KindOneofCase.TimestampValue: json.WriteStringValue(value.TimestampValue.ToDateTime().ToString("O", CultureInfo.InvariantCulture)); break;
            case Value.KindOneofCase.VectorValue:
                json.WriteStartArray();
                foreach (var v in value.VectorValue.Values) WriteDouble(json, v);
                json.WriteEndArray();
                break;
            default: json.WriteNullValue(); break;
        }
    }

    // JSON has no NaN or Infinity; the strings are what JSON-minded APIs conventionally accept.
    private static void WriteDouble(Utf8JsonWriter json, double v)
    {
        if (double.IsFinite(v)) json.WriteNumberValue(v);
        else json.WriteStringValue(v.ToString(CultureInfo.InvariantCulture));
    }
}
