using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Persistence.Stores.Objects.S3;

namespace Persistence.Cloud.Tests;

/// <summary>
/// A real S3-compatible server (npm s3rver, installed by tests/setup/install-servers.sh) on a free loopback
/// port, keeping its objects in a temp directory so a test can stop it and start it again with its data.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Bucket = "uploads";
    private readonly string _directory = Directory.CreateTempSubdirectory("s3rver-").FullName;
    private Process? _server;

    public int Port { get; } = ServerProcess.FreePort();
    public string? SkipReason { get; private set; }
    public S3ObjectStoreOptions Options => new() { Region = "us-east-1", ServiceUrl = $"http://127.0.0.1:{Port}", RequestTimeoutSeconds = 5 };

    /// <summary>s3rver's fixed development credentials; in clusters the default chain (IRSA) supplies real ones.</summary>
    public IAmazonS3 Client(S3ObjectStoreOptions? options = null)
    {
        var config = (options ?? Options).CreateConfig();
        // Plain uploads: s3rver does not understand the SDK's streaming trailing checksums.
        config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
        return new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), config);
    }

    public async ValueTask InitializeAsync()
    {
        if (ServerProcess.Which("s3rver") is null)
        {
            SkipReason = "s3rver is not installed (npm install -g s3rver@3.7.1, or run tests/setup/install-servers.sh as root)";
            return;
        }
        await StartAsync();
    }

    public async Task StartAsync()
    {
        _server = ServerProcess.Start("s3rver", "-d", _directory, "-a", "127.0.0.1", "-p", Port.ToString(), "--silent", "--configure-bucket", Bucket);
        await ServerProcess.WaitForPortAsync(Port, TimeSpan.FromSeconds(30));
    }

    public void Stop() => ServerProcess.Kill(_server);

    public void SkipIfMissing()
    {
        if (SkipReason is not null) Assert.Skip(SkipReason);
    }

    public async Task PutAsync(string key, byte[] bytes)
    {
        using var client = Client();
        await client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false });
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
