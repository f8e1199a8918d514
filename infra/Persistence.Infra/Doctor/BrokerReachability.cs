using System.Net.Sockets;

namespace Persistence.Infra.Doctor;

/// <summary>Whether any bootstrap server accepts a TCP connection; null when one does, else why none did.</summary>
public static class BrokerReachability
{
    public static async Task<string?> CheckAsync(string bootstrapServers, CancellationToken cancel)
    {
        var errors = new List<string>();
        foreach (var server in bootstrapServers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = server.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(server[(colon + 1)..], out var port)) { errors.Add($"{server}: not host:port"); continue; }
            try
            {
                using var tcp = new TcpClient();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                await tcp.ConnectAsync(server[..colon], port, timeout.Token).ConfigureAwait(false);
                return null;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancel.IsCancellationRequested)
            {
                errors.Add($"{server}: {(e is OperationCanceledException ? "no answer in 3 s" : e.Message)}");
            }
        }
        return $"no bootstrap server accepts connections ({string.Join("; ", errors)}); from outside the VPC use a bastion or port-forward and --bootstrap-servers";
    }
}
