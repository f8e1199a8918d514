using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Persistence.Tests.Shared;

/// <summary>
/// The built `persistence-writer` started as its own process, with exactly the environment and arguments a
/// test gives it (nothing inherited but what a container image would have), so a test runs what a Deployment runs.
/// Kill it with SIGKILL (a crashed or OOMKilled pod) or SIGTERM (a rollout), read its output and exit code.
/// </summary>
public sealed class WriterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private WriterProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything written to stdout and stderr so far, interleaved as it arrived.</summary>
    public string Output { get { lock (_gate) return _output.ToString(); } }

    /// <summary>The writer's main assembly, built with the same configuration as the calling test project.</summary>
    public static string WriterAssembly()
    {
        var baseDirectory = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(baseDirectory).Parent?.Name ?? "Debug"; // bin/<Configuration>/<tfm>/
        var root = RepositoryRoot();
        var path = Path.Combine(root, "writers", "Persistence.Writer", "bin", configuration, "net10.0", "persistence-writer.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException(
            $"the writer is not built at {path}; build writers/Persistence.Writer (the test project references it so `dotnet build` does)", path);
    }

    public static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "PersistenceStack.sln"))) return d.FullName;
        throw new DirectoryNotFoundException($"no PersistenceStack.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Starts `dotnet persistence-writer.dll &lt;args&gt;` with only <paramref name="environment"/> plus what the runtime needs to start.</summary>
    public static WriterProcess Start(string name, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? host : ServerProcess.Which("dotnet") ?? "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(WriterAssembly());
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment.Clear();
        // What the runtime image provides; nothing of the test's own environment (e.g. PUBSUB_EMULATOR_HOST) leaks in.
        foreach (var key in new[] { "PATH", "HOME", "DOTNET_ROOT", "TMPDIR" })
            if (Environment.GetEnvironmentVariable(key) is { } value) info.Environment[key] = value;
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        return new WriterProcess(name, process);
    }

    /// <summary>SIGKILL: no drain, no acknowledgement, no closing of streams — what a crash or the OOM killer does.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        Signal(SigKill);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGTERM, as the kubelet sends on a rollout or scale-down; waits for the exit and returns its code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited) Signal(SigTerm);
        return await WaitForExitAsync(timeout);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try { await _process.WaitForExitAsync().WaitAsync(timeout); }
        catch (TimeoutException) { throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds:F0}s; output:\n{Tail()}"); }
        return _process.ExitCode;
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails with the output when the process exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited {_process.ExitCode} before printing '{text}'; output:\n{Tail()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} did not print '{text}' within {timeout.TotalSeconds:F0}s; output:\n{Tail()}");
            await Task.Delay(50);
        }
    }

    /// <summary>The last lines of output, for failure messages.</summary>
    public string Tail(int lines = 40) => string.Join('\n', Output.Split('\n').TakeLast(lines));

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_gate) _output.AppendLine(line);
    }

    private const int SigKill = 9;
    private const int SigTerm = 15;

    private void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal(SigKill);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        _process.Dispose();
    }
}
