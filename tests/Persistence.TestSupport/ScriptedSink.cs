using System.Collections.Concurrent;
using System.Text;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;

namespace Persistence.Runtime.Tests;

/// <summary>"bad:..." payloads fail to decode; everything else decodes to its text.</summary>
public sealed class TextDecoder : IMessageDecoder<string>
{
    public string Decode(InboundMessage message)
    {
        var text = Encoding.UTF8.GetString(message.Payload.Span);
        return text.StartsWith("bad:", StringComparison.Ordinal) ? throw new MessageDecodeException($"'{text}' is malformed") : text;
    }
}

/// <summary>A sink whose behaviour each test scripts: record, block, fail, reject.</summary>
public sealed class ScriptedSink : ISink<string>
{
    public ConcurrentQueue<string> Written { get; } = new();
    public Func<IReadOnlyList<string>, int, Task<WriteResult?>>? Behaviour { get; set; }
    private int _calls;
    public int Calls => _calls;

    public async ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<string>> batch, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        var values = batch.Select(b => b.Value).ToList();
        var result = Behaviour is null ? null : await Behaviour(values, call).WaitAsync(cancellationToken);
        result ??= WriteResult.Ok;
        var rejected = result.Rejected.Select(r => r.Index).ToHashSet();
        for (var i = 0; i < values.Count; i++)
            if (!rejected.Contains(i)) Written.Enqueue(values[i]);
        return result;
    }
}
