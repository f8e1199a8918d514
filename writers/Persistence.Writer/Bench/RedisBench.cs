using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Persistence.Sinks.Online;
using Persistence.Sinks.Registry;
using Persistence.Stores;
using Persistence.Stores.Redis;
using StackExchange.Redis;

namespace Persistence.Writer.Bench;

/// <summary>
/// ONLINE_WRITER (the real loop, sink and Redis store) against <c>redis-benchmark -P 64</c> running EVALSHA of the
/// one-key newer-wins script on fresh keys: the server's ceiling for these writes, one value per call.
/// </summary>
public sealed partial class RedisBench(string endpoint)
{
    public sealed record Shape(int Results, int Features, int Rows)
    {
        public int Values => Results * Features * Rows;
        public override string ToString() => $"{Results} results x {Features} features x {Rows} rows";
    }

    private int _run;

    public async Task<(double Ours, double Limit)> RunAsync(Shape shape)
    {
        var run = $"r{Interlocked.Increment(ref _run)}";
        var options = ConfigurationOptions.Parse(endpoint);
        options.AllowAdmin = true;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        var server = redis.GetServers()[0];
        await server.FlushDatabaseAsync().ConfigureAwait(false);

        var payloads = BenchData.Results(run, shape.Results, shape.Features, shape.Rows).Select(r => r.ToByteArray()).ToList();
        var sink = new OnlineWriterSink(new RedisOnlineStore(redis.GetDatabase()), TimeProvider.System);
        var (seconds, _) = await LoopRun.DrainAsync(payloads, "ONLINE_WRITER", WriterFactory.QueryResults, sink, LoopRun.Options(500)).ConfigureAwait(false);
        var keys = await server.DatabaseSizeAsync().ConfigureAwait(false);
        if (keys != shape.Values) throw new InvalidOperationException($"online bench: {keys} keys in Redis, {shape.Values} expected");
        await server.FlushDatabaseAsync().ConfigureAwait(false);
        return (shape.Values / seconds, await CeilingAsync(server, shape.Values).ConfigureAwait(false));
    }

    /// <summary>redis-benchmark's requests/s for EVALSHA of the one-key script, each on a random (so fresh) key.</summary>
    private async Task<double> CeilingAsync(IServer server, int requests)
    {
        var sha = Convert.ToHexStringLower(await server.ScriptLoadAsync(NewerWins.SingleKeyScript).ConfigureAwait(false));
        var now = DateTimeOffset.UtcNow;
        // A serialized float Value is 9 bytes; the arguments are those the store sends.
        var value = Values.Of(0.5).ToByteArray().Length;
        var (host, port) = HostPort();
        var output = await BenchServers.RunAsync("redis-benchmark", "-h", host, "-p", port, "-P", "64", "-q", "-n", $"{Math.Max(requests, 50_000)}",
            "-r", "1000000000", "EVALSHA", sha, "1", "online:bench.f0:user:__rand_int__",
            now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), new string('x', value), "v",
            now.AddDays(1).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        await server.FlushDatabaseAsync().ConfigureAwait(false);
        var match = RequestsPerSecond().Match(output);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"redis-benchmark printed no requests per second: {output}");
    }

    private (string Host, string Port) HostPort()
    {
        var endPoint = ConfigurationOptions.Parse(endpoint).EndPoints[0];
        return endPoint switch
        {
            System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port.ToString(CultureInfo.InvariantCulture)),
            System.Net.DnsEndPoint dns => (dns.Host, (dns.Port == 0 ? 6379 : dns.Port).ToString(CultureInfo.InvariantCulture)),
            _ => ("127.0.0.1", "6379"),
        };
    }

    [GeneratedRegex(@"([\d.]+) requests per second")]
    private static partial Regex RequestsPerSecond();
}
