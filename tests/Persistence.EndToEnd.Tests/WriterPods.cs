using Persistence.Contracts;

namespace Persistence.EndToEnd.Tests;

/// <summary>
/// Rendered writers as processes: each one a "pod" with its own directory (volumes, secret files), the rendered
/// args and the loopback environment; started, killed and restarted by Deployment name.
/// </summary>
public sealed class WriterPods(RenderedStack stack, LoopbackServers servers) : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory($"pods-{stack.Stack}-").FullName;
    private readonly Dictionary<string, (RenderedWriter Writer, Dictionary<string, string> Env, WriterProcess Process)> _running = new(StringComparer.Ordinal);
    private readonly List<string> _exited = [];
    private int _generation;

    public IReadOnlyDictionary<string, string> EnvironmentOf(string name) => _running[name].Env;
    public WriterProcess Process(string name) => _running[name].Process;

    /// <summary>Output of processes that were killed or stopped, for failure messages.</summary>
    public string History => string.Join("\n", _exited);

    public async Task StartAsync(IEnumerable<RenderedWriter> writers)
    {
        foreach (var writer in writers)
        {
            var env = LoopbackEnvironment.For(writer, servers, Path.Combine(_root, writer.Name));
            _running[writer.Name] = (writer, env, Launch(writer, env));
        }
        await Task.WhenAll(_running.Values.Select(r => WaitHealthyAsync(r.Process, r.Env)));
    }

    /// <summary>kill -9, then a new process with the same environment (a new pod of the same Deployment).</summary>
    public async Task CrashAndRestartAsync(string name)
    {
        var (writer, env, process) = _running[name];
        await process.KillAsync();
        _exited.Add($"--- {process.Name} (killed) ---\n{process.Tail(15)}");
        await process.DisposeAsync();
        var next = Launch(writer, env);
        _running[name] = (writer, env, next);
        await WaitHealthyAsync(next, env);
    }

    /// <summary>Each running writer's own counters from /metrics (received, written, retries, dead-lettered, in flight), for failure messages.</summary>
    public string Counters()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return string.Join("\n", _running.Values.Select(r =>
        {
            var port = r.Env[SettingNames.ToEnvironmentVariable(SettingNames.Writer.HealthPort)];
            try
            {
                var lines = http.GetStringAsync($"http://127.0.0.1:{port}/metrics").GetAwaiter().GetResult()
                    .Split('\n').Where(l => l.StartsWith("persistence_writer_", StringComparison.Ordinal) && !l.StartsWith("persistence_writer_inflight_budget", StringComparison.Ordinal));
                return $"{r.Process.Name}: {string.Join("; ", lines)}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return $"{r.Process.Name}: /metrics did not answer ({e.Message})"; }
        }));
    }

    /// <summary>Every writer still running, or the output of the first that exited.</summary>
    public void AssertAllRunning()
    {
        foreach (var (_, _, process) in _running.Values)
            Assert.False(process.HasExited, $"{process.Name} exited with {process.ExitCode}:\n{process.Tail()}");
    }

    public string Outputs() => string.Join("\n", _running.Values.Select(r => $"--- {r.Process.Name} ---\n{r.Process.Tail(15)}"));

    private WriterProcess Launch(RenderedWriter writer, Dictionary<string, string> env) =>
        WriterProcess.Start($"{writer.Name}#{Interlocked.Increment(ref _generation)}", writer.Args, env, Path.Combine(_root, writer.Name));

    /// <summary>Up when /healthz answers, which the kubelet's liveness probe asks too.</summary>
    private static async Task WaitHealthyAsync(WriterProcess process, Dictionary<string, string> env)
    {
        var port = env[SettingNames.ToEnvironmentVariable(SettingNames.Writer.HealthPort)];
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (process.HasExited) Assert.Fail($"{process.Name} exited with {process.ExitCode} at start:\n{process.Tail(300)}");
            try
            {
                // One connection per probe, as the kubelet's. The writer closes it (Connection: close), so the port has
                // connections in TIME_WAIT when the writer is killed, as in a pod: the restarted writer must listen anyway.
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) Assert.Fail($"{process.Name} did not answer /healthz within 90 s:\n{process.Tail()}");
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, _, process) in _running.Values) await process.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
