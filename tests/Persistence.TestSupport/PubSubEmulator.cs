using System.Diagnostics;
using Persistence.Buses.PubSub;

namespace Persistence.Tests.Shared;

/// <summary>Google's Pub/Sub emulator (from the Cloud CLI, Java) on a free loopback port, for the whole test class.</summary>
public sealed class PubSubEmulator : IAsyncLifetime
{
    private Process? _process;
    public string HostPort { get; private set; } = "";
    public string? SkipReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var gcloud = ServerProcess.Which("gcloud");
        if (gcloud is null) { SkipReason = "gcloud (Google Cloud CLI with the Pub/Sub emulator) is not installed"; return; }
        HostPort = $"127.0.0.1:{ServerProcess.FreePort()}";
        var info = new ProcessStartInfo(gcloud) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "beta", "emulators", "pubsub", "start", $"--host-port={HostPort}", "--project=test-project", "--quiet" }) info.ArgumentList.Add(arg);
        _process = Process.Start(info)!;
        var ready = new TaskCompletionSource();
        void Watch(object? _, DataReceivedEventArgs e) { if (e.Data?.Contains("Server started") == true) ready.TrySetResult(); }
        _process.OutputDataReceived += Watch;
        _process.ErrorDataReceived += Watch;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try { await ready.Task.WaitAsync(TimeSpan.FromSeconds(90)); }
        catch (TimeoutException) { SkipReason = "the Pub/Sub emulator did not start within 90 s (is the pubsub-emulator component installed?)"; }
    }

    public PubSubBus Bus() => new(new PubSubBusOptions { ProjectId = "test-project", EmulatorHost = HostPort, AckDeadlineSeconds = 10 });

    public void SkipIfMissing()
    {
        if (SkipReason is not null) Assert.Skip(SkipReason);
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false }) { _process.Kill(entireProcessTree: true); _process.WaitForExit(10_000); }
        return ValueTask.CompletedTask;
    }
}
