using System.Net;
using System.Net.Sockets;

namespace Persistence.Tests.Shared;

/// <summary>
/// A loopback TCP forwarder in front of a server. <see cref="Sever"/> resets every connection and refuses new ones:
/// from the server's side, exactly what a client killed with SIGKILL (or a pod whose network vanished) looks like,
/// while the client object stays in the test process.
/// </summary>
public sealed class TcpProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _sockets = [];
    private readonly Lock _gate = new();
    private readonly int _targetPort;
    private volatile bool _severed;

    public TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public string HostPort => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    private async Task AcceptAsync()
    {
        while (!_severed)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try { await server.ConnectAsync(IPAddress.Loopback, _targetPort); }
            catch (SocketException) { client.Dispose(); server.Dispose(); continue; }
            lock (_gate) { _sockets.Add(client); _sockets.Add(server); }
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0) { to.Shutdown(SocketShutdown.Send); return; }
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    /// <summary>Resets every connection (RST, no goodbye) and accepts no new ones.</summary>
    public void Sever()
    {
        _severed = true;
        _listener.Stop();
        lock (_gate)
        {
            foreach (var socket in _sockets)
            {
                try { socket.LingerState = new LingerOption(true, 0); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
                socket.Dispose();
            }
            _sockets.Clear();
        }
    }

    public void Dispose() => Sever();
}
