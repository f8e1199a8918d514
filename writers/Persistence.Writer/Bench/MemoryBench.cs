using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Contracts;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Diagnostics;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks.Offline;
using Persistence.Sinks.Online;
using Persistence.Sinks.Registry;
using Persistence.Sinks.Vectors;
using Persistence.Stores.Redis;
using StackExchange.Redis;

namespace Persistence.Writer.Bench;

/// <summary>
/// Memory while draining a backlog of ten budgets of vector-heavy messages. Per writer type, first the decode
/// amplification (managed heap per in-flight payload byte, no heap limit, a fixed budget), then the real thing:
/// a child process in a memory cgroup of --memory-limit-mib with the environment the Deployment passes (the limit
/// through the downward API, the GC settings of <see cref="WriterGcSettings"/>) and the budget the writer derives
/// from it. Figures: peak RSS (VmHWM) against the limit, target at most 0.85, and no OOM kill.
/// </summary>
public sealed class MemoryBench(string? redis, string? redisSkip, int limitMib, double scale)
{
    public const string ChildVerb = "memory-child";
    private static readonly WriterType[] Types = [WriterType.ONLINE_WRITER, WriterType.ONLINE_VECTOR_STORE_WRITER, WriterType.OFFLINE_WRITER];

    public async Task<List<BenchRow>> RunAsync(int runs, CancellationToken cancellationToken)
    {
        var rows = new List<BenchRow>();
        bool useCgroup;
        // Only to learn whether a cgroup can be made here; each child gets a fresh one (its OOM counter starts at 0).
        var probe = MemoryCgroup.TryCreate(limitMib, out var noCgroup);
        useCgroup = probe is not null;
        probe?.Dispose();
        {
            foreach (var type in Types)
            {
                var path = $"memory {type}: peak RSS draining 10x budget of vector-heavy messages at {limitMib} MiB";
                if (redis is null) { rows.Add(BenchRow.Skip(path, redisSkip ?? "no Redis")); continue; }
                var amplification = await ChildAsync(type, limitMib: 0, budgetMib: 16, inCgroup: false, cancellationToken).ConfigureAwait(false);
                var peaks = new List<double>();
                string? note = null;
                for (var i = 0; i < runs; i++)
                {
                    var child = await ChildAsync(type, limitMib, budgetMib: 0, useCgroup, cancellationToken).ConfigureAwait(false);
                    if (child.Killed) { note = "OOM-killed"; peaks.Add(limitMib); continue; }
                    peaks.Add(child.PeakRssMib);
                    note = string.Create(CultureInfo.InvariantCulture,
                        $"amplification measured {amplification.Amplification:0.0}x (live heap after full GCs / in-flight payload at a 16 MiB budget); budget derived {child.BudgetMib:0.0} MiB ({child.BudgetReason}); " +
                        $"peak managed heap {child.PeakHeapMib:0} MiB; {(!useCgroup ? $"no memory cgroup ({noCgroup}): heap limit from the same settings, no kernel limit" : "in a memory cgroup, no OOM kill")}; " +
                        $"{child.Messages} messages of {child.PayloadKib:0} KiB");
                    Console.Error.WriteLine($"  {path}: run {i + 1}: peak RSS {child.PeakRssMib:0.0} MiB");
                }
                rows.Add(new BenchRow(path, "MiB", new Figures(peaks), new Figures([.. peaks.Select(_ => (double)limitMib)]), 0.85, AtMost: true, Note: note));
            }
        }
        return rows;
    }

    private sealed record ChildResult(double PeakRssMib, double PeakHeapMib, double BudgetMib, string BudgetReason, double Amplification, long Messages, double PayloadKib, bool Killed);

    private async Task<ChildResult> ChildAsync(WriterType type, int limitMib, int budgetMib, bool inCgroup, CancellationToken cancellationToken)
    {
        using var cgroup = inCgroup ? MemoryCgroup.TryCreate(limitMib, out _) : null;
        var (exe, prefix) = Self();
        var args = new List<string>(prefix) { "bench", ChildVerb, type.ToString(), redis!, string.Create(CultureInfo.InvariantCulture, $"{scale}") };
        var info = cgroup is null ? new ProcessStartInfo(exe) : new ProcessStartInfo("/bin/sh");
        if (cgroup is not null)
        {
            // Enter the cgroup before the runtime starts, so it sees the limit as it would in a container.
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add($"echo $$ > {cgroup.Procs} && exec \"$0\" \"$@\"");
            info.ArgumentList.Add(exe);
        }
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.Environment["Writer__Type"] = type.ToString();
        if (budgetMib > 0) info.Environment["Writer__MemoryBudgetBytes"] = $"{budgetMib << 20}";
        if (limitMib > 0)
        {
            info.Environment["Writer__MemoryLimitBytes"] = $"{(long)limitMib << 20}";
            foreach (var (key, value) in WriterGcSettings.Environment) info.Environment[key] = value;
            if (cgroup is null) info.Environment["DOTNET_GCHeapHardLimit"] = $"0x{(long)limitMib * WriterGcSettings.HeapHardLimitPercent / 100 << 20:X}";
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {exe}");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode is 137 or -9 || (cgroup?.OomKilled ?? false))
            return new ChildResult(limitMib, 0, 0, "", 0, 0, 0, Killed: true);
        var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("memory-child ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"memory child for {type} exited {process.ExitCode} without figures: {stdout} {await stderr.ConfigureAwait(false)}");
        var f = line.Split(' ');
        double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        return new ChildResult(D(1), D(2), D(3), Uri.UnescapeDataString(f[4]), D(5), (long)D(6), D(7), Killed: false);
    }

    private static (string Exe, string[] Prefix) Self()
    {
        var exe = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(exe) == "dotnet" ? (exe, [Environment.GetCommandLineArgs()[0]]) : (exe, []);
    }

    /// <summary>The child: the real loop, sink and store of one writer type draining ten budgets; prints its figures on one line.</summary>
    public static async Task<int> ChildAsync(string[] args, CancellationToken cancellationToken)
    {
        var type = System.Enum.Parse<WriterType>(args[0]);
        var redisEndpoint = args[1];
        var scale = double.Parse(args[2], CultureInfo.InvariantCulture);
        var options = new WriterOptions
        {
            Type = type, Name = "memory-bench", MaxBatchMessages = 500, Concurrency = 2,
            MemoryLimitBytes = long.TryParse(Environment.GetEnvironmentVariable("Writer__MemoryLimitBytes"), out var limit) ? limit : 0,
            MemoryBudgetBytes = long.TryParse(Environment.GetEnvironmentVariable("Writer__MemoryBudgetBytes"), out var budget) ? budget : 0,
        };
        var resolved = MemoryBudget.Resolve(options);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisEndpoint).ConfigureAwait(false);
        var template = Template(type);
        var total = (long)Math.Max(50, resolved.Bytes * 10 * scale / template.Length);
        var source = new BacklogSource(template, total);
        var parts = new LoopParts(new WriterIdentity("memory-bench", type.ToString()), source, new DeadLetterPublisher(new DiscardingPublisher("dlq")),
            options, new ByteBudget(resolved.Bytes), NullLogger.Instance);
        var db = redis.GetDatabase();
        var writer = type switch
        {
            WriterType.ONLINE_WRITER => parts.Loop(WriterFactory.QueryResults, new OnlineWriterSink(new RedisOnlineStore(db), TimeProvider.System)),
            WriterType.ONLINE_VECTOR_STORE_WRITER => parts.Loop(WriterFactory.VectorBatches, new VectorStoreSink(new RedisVectorStore(db))),
            // Its output goes to the bus, out of process; the catalog only checks tables, once.
            _ => parts.Loop(WriterFactory.OfflineResults, new OfflineWriterSink(new NullCatalog(), new DiscardingPublisher("streaming-insert"))),
        };
        GC.Collect();
        GC.GetTotalMemory(forceFullCollection: true);
        var baselineLive = Live(GC.GetGCMemoryInfo());
        long peakHeap = 0, peakLive = baselineLive;
        // Measuring amplification (a fixed budget, no limit): a full blocking GC every 50 ms shows what is live —
        // the decoded objects of the messages in flight — rather than garbage (LOH, gen2) awaiting a collection.
        var measure = options.MemoryLimitBytes == 0;
        var lastFull = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var run = writer.RunAsync(stop.Token);
        while (source.Acked < total && !run.IsCompleted)
        {
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
            if (measure && lastFull.ElapsedMilliseconds >= 50)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                peakLive = Math.Max(peakLive, Live(GC.GetGCMemoryInfo()));
                lastFull.Restart();
            }
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
        await stop.CancelAsync().ConfigureAwait(false);
        await run.ConfigureAwait(false);
        var amplification = (peakLive - baselineLive) / (double)Math.Max(1, writer.Budget.Peak);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory-child {PeakRssBytes() / 1048576.0:0.0} {peakHeap / 1048576.0:0.0} {resolved.Bytes / 1048576.0:0.0} {Uri.EscapeDataString(resolved.Reason)} {amplification:0.00} {total} {template.Length / 1024.0:0.0}"));
        return 0;
    }

    /// <summary>About 32 KiB of vectors per message: 4 features of 128 floats over 16 rows, or 64 records of 128.</summary>
    private static byte[] Template(WriterType type)
    {
        if (type == WriterType.ONLINE_VECTOR_STORE_WRITER)
        {
            var random = new Random(7);
            var batch = new VectorBatch { Index = "bench", Dimensions = 128 };
            for (var r = 0; r < 64; r++)
                batch.Records.Add(new VectorRecord { Key = $"k{r}", Values = { Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble()) }, ObservedAt = Timestamp.FromDateTime(DateTime.UtcNow) });
            return batch.ToByteArray();
        }
        return BenchData.Results("memory", 1, 4, 16, vectorDimensions: 128)[0].ToByteArray();
    }

    private static long Live(GCMemoryInfo info) => info.HeapSizeBytes - info.FragmentedBytes;

    private static long PeakRssBytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private sealed class DiscardingPublisher(string topic) : IMessagePublisher
    {
        public string Topic => topic;
        public ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class NullCatalog : Persistence.Stores.IOfflineStore
    {
        public Task EnsureTableAsync(string table, TableSchema schema, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<long> InsertAsync(Persistence.Stores.TableRows rows, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<long> InsertAsync(string table, TableSchema schema, IAsyncEnumerable<IReadOnlyList<object?[]>> chunks, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}

/// <summary>A memory cgroup (v1) with a hard limit, for one child at a time; removed on dispose.</summary>
public sealed class MemoryCgroup : IDisposable
{
    private readonly string _path;

    private MemoryCgroup(string path) => _path = path;

    public string Procs => Path.Combine(_path, "cgroup.procs");

    public bool OomKilled =>
        File.Exists(Path.Combine(_path, "memory.oom_control")) &&
        File.ReadLines(Path.Combine(_path, "memory.oom_control")).Any(l => l.StartsWith("oom_kill ", StringComparison.Ordinal) && l != "oom_kill 0");

    public static MemoryCgroup? TryCreate(int limitMib, out string reason)
    {
        reason = "";
        const string root = "/sys/fs/cgroup/memory";
        if (!Directory.Exists(root)) { reason = "no cgroup v1 memory hierarchy"; return null; }
        var path = Path.Combine(root, $"persistence-bench-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        try
        {
            Directory.CreateDirectory(path);
            File.WriteAllText(Path.Combine(path, "memory.limit_in_bytes"), $"{(long)limitMib << 20}");
            var swap = Path.Combine(path, "memory.memsw.limit_in_bytes");
            if (File.Exists(swap)) File.WriteAllText(swap, $"{(long)limitMib << 20}");
            return new MemoryCgroup(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reason = $"cannot create a memory cgroup ({e.Message})";
            return null;
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
