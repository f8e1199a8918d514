using System.Net;
using System.Text;
using Google.Apis.Auth.OAuth2;
using Grpc.Core;
using Persistence.Buses.PubSub;

namespace Persistence.Buses.Tests;

/// <summary>
/// The bearer token Pub/Sub calls carry on GKE comes from Google.Apis.Auth; a loopback stub of the metadata
/// server's token endpoint stands in for GKE's.
/// </summary>
public sealed class PubSubTokenTests
{
    /// <summary>GET /computeMetadata/v1/instance/service-accounts/default/token, answered only with Metadata-Flavor: Google.</summary>
    private sealed class FakeMetadataServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;
        public int TokensIssued;
        public int Refused;

        public FakeMetadataServer()
        {
            // HttpListener needs a port up front: take a free one from the OS.
            var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Root = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Root);
            _listener.Start();
            _serving = Task.Run(ServeAsync);
        }

        public string Root { get; }
        public string TokenUrl => Root + "computeMetadata/v1/instance/service-accounts/default/token";

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                if (context.Request.Headers["Metadata-Flavor"] != "Google" || !context.Request.Url!.AbsolutePath.EndsWith("/token", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref Refused);
                    context.Response.StatusCode = 403;
                    context.Response.Close();
                    continue;
                }
                var n = Interlocked.Increment(ref TokensIssued);
                await Task.Delay(100); // slow enough that concurrent callers overlap the fetch
                var body = Encoding.UTF8.GetBytes($"{{\"access_token\":\"wi-token-{n}\",\"expires_in\":3599,\"token_type\":\"Bearer\"}}");
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
    }

    private static ICredential Compute(FakeMetadataServer server) =>
        GoogleCredential.FromComputeCredential(new ComputeCredential(new ComputeCredential.Initializer(server.TokenUrl)));

    private static async Task<string> AuthorizationAsync(GoogleCallCredentials credentials)
    {
        var metadata = new Metadata();
        await credentials.AddAsync(new AuthInterceptorContext("https://pubsub.googleapis.com/google.pubsub.v1.Subscriber", "StreamingPull"), metadata);
        return metadata.Get("authorization")!.Value;
    }

    [Fact]
    public async Task Concurrent_calls_share_one_metadata_server_token_and_carry_it_as_a_bearer()
    {
        using var server = new FakeMetadataServer();
        var credentials = new GoogleCallCredentials(_ => Task.FromResult(Compute(server)));

        var headers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => AuthorizationAsync(credentials)));

        Assert.All(headers, h => Assert.Equal("Bearer wi-token-1", h));
        Assert.Equal(1, server.TokensIssued);
        Assert.Equal(0, server.Refused);
        Assert.Equal("Bearer wi-token-1", await AuthorizationAsync(credentials)); // cached, not fetched again
        Assert.Equal(1, server.TokensIssued);
    }

    [Fact]
    public async Task A_failed_credential_lookup_fails_the_call_and_is_retried_on_the_next_one()
    {
        using var server = new FakeMetadataServer();
        var lookups = 0;
        var credentials = new GoogleCallCredentials(_ => ++lookups == 1
            ? throw new InvalidOperationException("The Application Default Credentials are not available.")
            : Task.FromResult(Compute(server)));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AuthorizationAsync(credentials));

        Assert.Contains("Application Default Credentials", error.Message);
        Assert.Equal("Bearer wi-token-1", await AuthorizationAsync(credentials));
        Assert.Equal(2, lookups);
    }
}
