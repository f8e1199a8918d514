using System.Diagnostics;

namespace Persistence.Writers.Tests;

/// <summary>`persistence-writer` started as its own process with an environment, as a Deployment starts it.</summary>
internal sealed class WriterProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly System.Text.StringBuilder _stdout = new();

    private WriterProcess(Process process) => _process = process;

    public static WriterProcess Start(IReadOnlyDictionary<string, string> settings, string workingDirectory, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "persistence-writer.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // Only what the test names: a developer's own Writer__/Bus__/Stores__ variables must not leak in.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Writer__") || k.StartsWith("Bus__") || k.StartsWith("Stores__")).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__")] = value;
        var writer = new WriterProcess(Process.Start(info)!);
        writer._process.OutputDataReceived += (_, e) => { lock (writer._stdout) writer._stdout.AppendLine(e.Data); };
        writer._process.ErrorDataReceived += (_, e) => { lock (writer._stderr) writer._stderr.AppendLine(e.Data); };
        writer._process.BeginOutputReadLine();
        writer._process.BeginErrorReadLine();
        return writer;
    }

    public string Output
    {
        get
        {
            lock (_stdout) lock (_stderr) return _stdout + _stderr.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the process to end by itself (bounded, so a wedged writer fails the test instead of hanging it).</summary>
    public async Task<int> ExitCodeAsync(int seconds = 120)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try { await _process.WaitForExitAsync(limit.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"persistence-writer did not exit within {seconds}s; output so far:\n{Output}"); }
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
