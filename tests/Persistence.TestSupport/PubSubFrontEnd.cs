using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Persistence.Tests.Shared;

/// <summary>
/// A loopback HTTP/2 forwarder in front of the Pub/Sub emulator that ends a vanished client's streams (SIGKILL, a
/// pod gone), as Google's service does when a connection drops. The emulator cannot: its bundled grpc-java fails
/// every server-side cancellation (<c>NoSuchMethodError: InternalStatus.asRuntimeException</c> in
/// <c>NettyServerHandler.onRstStreamRead</c>, in its log), so a StreamingPull whose client died is never ended, and
/// its pusher keeps taking a share of the subscription's messages for as long as the emulator runs; each comes
/// back one lease and one delivery attempt later, until the dead-letter policy takes it. A half-close (what a
/// client sends on a clean stop) does end it, so that is what this sends, per stream the client left open, before
/// closing the connection. What the killed client held stays leased until its lease runs out, as on Google's
/// service. See docs/operations.md, "The Pub/Sub emulator and killed writers".
/// </summary>
public sealed class PubSubFrontEnd : IDisposable
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Connection> _connections = [];
    private readonly Lock _gate = new();
    private readonly IPEndPoint _emulator;
    private volatile bool _severed;

    /// <param name="emulatorHostPort">host:port of the emulator, e.g. 127.0.0.1:8085.</param>
    public PubSubFrontEnd(string emulatorHostPort)
    {
        _emulator = IPEndPoint.Parse(emulatorHostPort);
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public string HostPort => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Streams ended toward the emulator because their client vanished.</summary>
    public int StreamsEnded;

    /// <summary>Client connections accepted, and those that ended.</summary>
    public int Connections, ConnectionsEnded;

    public override string ToString() => $"Pub/Sub front end: {Connections} connections ({ConnectionsEnded} ended), {StreamsEnded} streams ended for vanished clients";

    private async Task AcceptAsync()
    {
        while (!_severed)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            try { await server.ConnectAsync(_emulator); }
            catch (SocketException) { client.Dispose(); server.Dispose(); continue; }
            Interlocked.Increment(ref Connections);
            var connection = new Connection(this, client, server);
            lock (_gate) _connections.Add(connection);
            _ = connection.RunAsync();
        }
    }

    /// <summary>Resets every client connection (as SIGKILL does) and accepts no new ones; the emulator's side is told.</summary>
    public void Sever()
    {
        _severed = true;
        _listener.Stop();
        List<Connection> connections;
        lock (_gate) { connections = [.. _connections]; _connections.Clear(); }
        foreach (var connection in connections) connection.ResetClient();
    }

    public void Dispose() => Sever();

    /// <summary>One client connection: frames are forwarded whole, so an end of stream can always be put between two of them.</summary>
    private sealed class Connection(PubSubFrontEnd frontEnd, Socket client, Socket server)
    {
        private readonly HashSet<int> _open = [];
        private readonly SemaphoreSlim _toServer = new(1, 1);

        public async Task RunAsync()
        {
            var up = PumpAsync(client, server, fromClient: true);
            var down = PumpAsync(server, client, fromClient: false);
            // Whichever side went first (a killed client shows as a failed read on one pump or a failed send on the
            // other), the streams the client left open are ended; toward a server that closed, that send just fails.
            await Task.WhenAny(up, down);
            Close(client);
            await EndOpenStreamsAsync();
            Close(server);
            lock (frontEnd._gate) frontEnd._connections.Remove(this);
            Interlocked.Increment(ref frontEnd.ConnectionsEnded);
        }

        public void ResetClient()
        {
            try { client.LingerState = new LingerOption(true, 0); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            client.Dispose();
        }

        /// <summary>An empty DATA frame with END_STREAM on each stream the client had not closed: its half-close.</summary>
        private async Task EndOpenStreamsAsync()
        {
            int[] open;
            lock (_open) open = [.. _open];
            if (open.Length == 0) return;
            var frames = new byte[open.Length * 9];
            for (var i = 0; i < open.Length; i++)
            {
                var frame = frames.AsSpan(i * 9, 9); // length 0, type DATA
                frame[4] = 0x1; // END_STREAM
                BinaryPrimitives.WriteInt32BigEndian(frame[5..], open[i]);
            }
            await _toServer.WaitAsync();
            try { await server.SendAsync(frames, SocketFlags.None); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            finally { _toServer.Release(); }
            Interlocked.Add(ref frontEnd.StreamsEnded, open.Length);
            await Task.Delay(200); // the emulator's pushers stop (they look every 50 ms) before it sees the connection close
        }

        private async Task PumpAsync(Socket from, Socket to, bool fromClient)
        {
            var buffer = new byte[64 * 1024];
            var filled = 0;
            var start = 0; // where the next frame begins
            var prefaceLeft = fromClient ? Preface.Length : 0;
            try
            {
                while (true)
                {
                    if (filled == buffer.Length)
                    {
                        if (start > 0) { Buffer.BlockCopy(buffer, start, buffer, 0, filled - start); filled -= start; start = 0; }
                        else Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    var read = await from.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                    if (read == 0) return;
                    filled += read;
                    var end = start;
                    if (prefaceLeft > 0)
                    {
                        var take = Math.Min(prefaceLeft, filled - end);
                        end += take;
                        prefaceLeft -= take;
                    }
                    while (prefaceLeft == 0 && filled - end >= 9)
                    {
                        var length = (buffer[end] << 16) | (buffer[end + 1] << 8) | buffer[end + 2];
                        if (filled - end < 9 + length) break;
                        Track(buffer[end + 3], buffer[end + 4], BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(end + 5)) & 0x7fffffff, fromClient);
                        end += 9 + length;
                    }
                    if (end > start) await SendAsync(to, buffer.AsMemory(start, end - start), fromClient);
                    start = end;
                    if (start == filled) start = filled = 0;
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }

        private async Task SendAsync(Socket to, ReadOnlyMemory<byte> frames, bool toServer)
        {
            if (!toServer) { await to.SendAsync(frames, SocketFlags.None); return; }
            await _toServer.WaitAsync();
            try { await to.SendAsync(frames, SocketFlags.None); }
            finally { _toServer.Release(); }
        }

        private void Track(byte type, byte flags, int stream, bool fromClient)
        {
            const byte Data = 0x0, Headers = 0x1, Reset = 0x3, EndStream = 0x1;
            if (stream == 0) return;
            lock (_open)
            {
                // Open from the client's first HEADERS until the client half-closes it, or either side ends or resets it.
                if (fromClient && type == Headers && (flags & EndStream) == 0) _open.Add(stream);
                else if (type == Reset || (type is Data or Headers && (flags & EndStream) != 0)) _open.Remove(stream);
            }
        }

        private static void Close(Socket socket)
        {
            try { socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            socket.Dispose();
        }
    }
}
