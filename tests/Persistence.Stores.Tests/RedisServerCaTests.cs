using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Stores;
using Persistence.Stores.Embedded;
using Persistence.Writer.Hosting;
using StackExchange.Redis;

namespace Persistence.Stores.Tests;

/// <summary>
/// Redis over TLS with a private server CA, as Memorystore's in-transit encryption has: a real redis-server with TLS on
/// loopback whose certificate is signed by a CA this test generates. With Stores:Redis:CaCertificatePath the writer
/// connects and its writes land; without it, with another CA, or for a certificate naming another host, it is refused.
/// </summary>
public sealed class RedisServerCaTests(RedisTlsFixture tls) : IClassFixture<RedisTlsFixture>
{
    private static readonly TimeSpan Staleness = TimeSpan.FromMinutes(10);

    private static Dictionary<string, string?> Settings(int port, string? caPath) => new()
    {
        ["Writer:Type"] = "ONLINE_WRITER",
        ["Stores:Redis:Connection"] = $"127.0.0.1:{port},ssl=true,connectTimeout=3000,syncTimeout=3000",
        ["Stores:Redis:CaCertificatePath"] = caPath,
        ["Stores:Embedded:Path"] = Path.Combine(Directory.CreateTempSubdirectory("redis-ca-").FullName, "stores.duckdb"),
    };

    /// <summary>The online store exactly as `run` builds it from settings (StoreSelection), and a write through it.</summary>
    private static async Task WriteThroughTheWriterAsync(Dictionary<string, string?> settings, string key)
    {
        var problems = new List<string>();
        await using var stores = StoreSelection.Select(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), problems);
        Assert.Empty(problems);
        var online = stores.Build(new InProcessBus(), Persistence.Contracts.WriterType.ONLINE_WRITER).Online!;
        var now = DateTimeOffset.UtcNow;
        await online.WriteAsync([new OnlineValue(key, "user.score", Values.Of(7.0), now, Staleness) { ExpiresAt = now + Staleness }], default);
    }

    /// <summary>A refused TLS handshake is a connection failure: the store classifies it transient (the loop retries), with Redis's error inside.</summary>
    private static async Task AssertRefusedAsync(Func<Task> write)
    {
        var e = await Assert.ThrowsAsync<Persistence.Contracts.TransientWriteException>(write);
        Assert.IsAssignableFrom<RedisException>(e.InnerException);
    }

    [Fact]
    public async Task With_the_server_ca_the_writer_connects_over_tls_and_its_write_lands()
    {
        tls.SkipIfMissing();
        var key = $"online:user.score:user:{Guid.NewGuid():N}";

        await WriteThroughTheWriterAsync(Settings(tls.Port, tls.CaPath), key);

        // Read back over a second TLS connection that trusts the same CA.
        var (cas, _) = Persistence.Stores.Redis.RedisServerCa.Load(tls.CaPath);
        var options = ConfigurationOptions.Parse($"127.0.0.1:{tls.Port},ssl=true");
        options.CertificateValidation += Persistence.Stores.Redis.RedisServerCa.Validator(cas!);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(options);
        var stored = Contracts.V1.Value.Parser.ParseFrom((byte[])(await reader.GetDatabase().HashGetAsync(key, "v"))!);
        Assert.Equal(7.0, stored.FloatValue);
    }

    [Fact]
    public async Task Without_the_server_ca_the_connection_is_refused_and_nothing_is_written()
    {
        tls.SkipIfMissing();
        var key = $"online:user.score:user:{Guid.NewGuid():N}";

        await AssertRefusedAsync(() => WriteThroughTheWriterAsync(Settings(tls.Port, caPath: null), key));

        Assert.Equal(0, await tls.CountKeysAsync(key));
    }

    [Fact]
    public async Task Another_ca_is_refused()
    {
        tls.SkipIfMissing();
        var key = $"online:user.score:user:{Guid.NewGuid():N}";

        await AssertRefusedAsync(() => WriteThroughTheWriterAsync(Settings(tls.Port, tls.OtherCaPath), key));

        Assert.Equal(0, await tls.CountKeysAsync(key));
    }

    [Fact]
    public async Task The_right_ca_does_not_excuse_a_certificate_for_another_host()
    {
        tls.SkipIfMissing();
        var key = $"online:user.score:user:{Guid.NewGuid():N}";

        await AssertRefusedAsync(() => WriteThroughTheWriterAsync(Settings(tls.WrongNamePort, tls.CaPath), key));
    }

    private static ConfigurationProblemException Problems(Dictionary<string, string?> settings) =>
        Assert.Throws<ConfigurationProblemException>(() =>
            WriterHost.Build(WriterHost.CreateEmptyBuilder(settings)));

    [Fact]
    public void A_missing_or_unreadable_ca_file_stops_the_writer_at_start_naming_the_key()
    {
        // ConfigurationProblemException is what `persistence-writer run` turns into exit code 3 with the list.
        var missing = Problems(Settings(6379, "/nonexistent/ca.crt"));
        Assert.Contains(missing.Problems, p => p.StartsWith("Stores:Redis:CaCertificatePath names /nonexistent/ca.crt, which does not exist; mount the Redis server CA there"));

        var notPem = Path.Combine(Directory.CreateTempSubdirectory("redis-ca-").FullName, "ca.crt");
        File.WriteAllText(notPem, "this is not a certificate\n");
        var garbage = Problems(Settings(6379, notPem));
        Assert.Contains(garbage.Problems, p => p.StartsWith($"Stores:Redis:CaCertificatePath names {notPem}, which holds no -----BEGIN CERTIFICATE----- block"));

        var plaintext = Settings(6379, tls.CaPath);
        plaintext["Stores:Redis:Connection"] = "127.0.0.1:6379";
        var noTls = Problems(plaintext);
        Assert.Contains(noTls.Problems, p => p.StartsWith("Stores:Redis:CaCertificatePath is set but Stores:Redis:Connection does not use TLS: add ssl=true"));
    }
}

/// <summary>
/// Two TLS-only redis-servers on loopback: one with a certificate for 127.0.0.1, one for another host name, both
/// signed by a CA generated here (and a second, unrelated CA). Skipped with the reason when redis-server lacks TLS.
/// </summary>
public sealed class RedisTlsFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("redis-tls-").FullName;
    private readonly List<Process> _servers = [];

    public int Port { get; } = ServerProcess.FreePort();
    public int WrongNamePort { get; } = ServerProcess.FreePort();
    public string CaPath => Path.Combine(_directory, "ca.crt");
    public string OtherCaPath => Path.Combine(_directory, "other-ca.crt");
    public string? SkipReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (ServerProcess.Which("redis-server") is null || ServerProcess.Which("redis-cli") is null)
        {
            SkipReason = "redis-server or redis-cli is not installed (apt-get install -y redis-server redis-tools, or run tests/run-all.sh as root)";
            return;
        }
        using var ca = NewCa("persistence test Redis CA");
        using var other = NewCa("some other CA");
        File.WriteAllText(CaPath, ca.ExportCertificatePem());
        File.WriteAllText(OtherCaPath, other.ExportCertificatePem());
        WriteServerCertificate(ca, "server", san => san.AddIpAddress(IPAddress.Loopback));
        WriteServerCertificate(ca, "wrong-name", san => san.AddDnsName("redis.elsewhere.example"));

        try
        {
            await StartAsync(Port, "server");
            await StartAsync(WrongNamePort, "wrong-name");
        }
        catch (Exception e) when (e is TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            SkipReason = $"redis-server did not start with TLS ({e.Message}); it needs a build with TLS (redis-server from apt has it)";
        }
    }

    private async Task StartAsync(int port, string name)
    {
        var server = ServerProcess.Start("redis-server", "--port", "0", "--tls-port", port.ToString(), "--bind", "127.0.0.1",
            "--tls-cert-file", Path.Combine(_directory, $"{name}.crt"), "--tls-key-file", Path.Combine(_directory, $"{name}.key"),
            "--tls-ca-cert-file", CaPath, "--tls-auth-clients", "no", "--save", "", "--appendonly", "no");
        _servers.Add(server);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!server.HasExited && DateTime.UtcNow < deadline)
        {
            try
            {
                await ServerProcess.WaitForPortAsync(port, TimeSpan.FromMilliseconds(200));
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
        }
        throw new InvalidOperationException(server.HasExited ? $"exited with {server.ExitCode}" : "its TLS port did not open in 20 s");
    }

    /// <summary>Keys matching <paramref name="pattern"/>, counted with redis-cli over TLS (independent of the writer's client).</summary>
    public async Task<int> CountKeysAsync(string pattern)
    {
        var output = await ServerProcess.RunAsync("redis-cli", "--tls", "--cacert", CaPath, "-h", "127.0.0.1", "-p", Port.ToString(), "--raw", "keys", pattern);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    private static X509Certificate2 NewCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private void WriteServerCertificate(X509Certificate2 ca, string name, Action<SubjectAlternativeNameBuilder> names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        File.WriteAllText(Path.Combine(_directory, $"{name}.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_directory, $"{name}.key"), key.ExportPkcs8PrivateKeyPem());
    }

    public void SkipIfMissing()
    {
        if (SkipReason is not null) Assert.Skip(SkipReason);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var server in _servers) ServerProcess.Kill(server);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
