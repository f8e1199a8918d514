using Microsoft.Extensions.Configuration;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Sinks.Registry;
using Persistence.Stores.Http.Mirror;
using Persistence.Writer.Hosting;

namespace Persistence.Cloud.Tests;

/// <summary>`run` picks the S3/GCS object stores and the HTTP mirror from Stores settings, and refuses bad values by key.</summary>
public sealed class CloudStoreSettingsTests
{
    private static ConfigurationProblemException Problems(Dictionary<string, string?> settings) =>
        Assert.Throws<ConfigurationProblemException>(() => WriterHost.Build(WriterHost.CreateEmptyBuilder(settings)));

    private static WriterDependencies Dependencies(Dictionary<string, string?> settings)
    {
        var problems = new List<string>();
        settings["Stores:Embedded:Path"] = Path.Combine(Directory.CreateTempSubdirectory("cloud-settings-").FullName, "stores.duckdb");
        var factory = StoreSelection.Create(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), problems);
        Assert.Empty(problems);
        return factory!(new InProcessBus());
    }

    [Fact]
    public void A_mirror_consumer_without_an_api_server_host_is_refused()
    {
        var error = Problems(new() { ["Writer:Type"] = "QUERY_MIRROR_CONSUMER" });
        Assert.Contains(error.Problems, p => p.StartsWith("Stores:Mirror:ApiServerHost is required: QUERY_MIRROR_CONSUMER replays queries"));
    }

    [Fact]
    public void Bad_cloud_store_values_are_listed_by_key()
    {
        var error = Problems(new()
        {
            ["Writer:Type"] = "QUERY_MIRROR_CONSUMER", ["Stores:Mirror:ApiServerHost"] = "https://api.internal",
            ["Stores:Mirror:RatePerSecond"] = "0", ["Stores:Mirror:MaxConcurrency"] = "0", ["Stores:Mirror:Path"] = "query",
            ["Stores:Mirror:TokenPath"] = "/nonexistent/token",
            ["Stores:S3:ServiceUrl"] = "minio:9000", ["Stores:S3:Region"] = "Frankfurt",
            ["Stores:Gcs:Authentication"] = "Magic",
        });
        Assert.Contains(error.Problems, p => p.StartsWith("Stores:Mirror:RatePerSecond must be a positive number"));
        Assert.Contains(error.Problems, p => p.StartsWith("Stores:Mirror:MaxConcurrency must be at least 1"));
        Assert.Contains(error.Problems, p => p.StartsWith("Stores:Mirror:Path 'query' must start with /"));
        Assert.Contains(error.Problems, p => p.StartsWith("Stores:Mirror:TokenPath names /nonexistent/token, which does not exist"));
        Assert.Contains(error.Problems, p => p.StartsWith("Stores:S3:ServiceUrl 'minio:9000' must be an absolute http(s) URL"));
        Assert.Contains(error.Problems, p => p.StartsWith("Stores:S3:Region 'Frankfurt' is not an AWS region name"));
        Assert.Contains(error.Problems, p => p.StartsWith("Stores:Gcs:Authentication 'Magic' is not one of Auto, Metadata, None"));

        // A value that does not convert fails its section's binding; the key and the value are named.
        var unconvertible = Problems(new() { ["Writer:Type"] = "OFFLINE_STORE_BULK_INSERT_WRITER", ["Stores:Gcs:RequestTimeoutSeconds"] = "soon" });
        Assert.Contains(unconvertible.Problems, p => p.Contains("Stores:Gcs:RequestTimeoutSeconds") && p.Contains("soon"));
    }

    [Fact]
    public void Aws_serves_s3_objects_and_gcp_serves_gs_objects_besides_files()
    {
        var aws = Dependencies(new() { ["Stores:Cloud"] = "AWS", ["Stores:UploadBucket"] = "s3://uploads", ["Stores:S3:Region"] = "eu-central-1" });
        Assert.Equal(["file", "s3"], aws.ObjectStores!.SelectMany(s => s.Schemes).Order());

        var gcp = Dependencies(new() { ["Stores:Cloud"] = "GCP", ["Stores:UploadBucket"] = "gs://uploads" });
        Assert.Equal(["file", "gs"], gcp.ObjectStores!.SelectMany(s => s.Schemes).Order());
    }

    [Fact]
    public void An_api_server_host_selects_the_http_mirror()
    {
        var deps = Dependencies(new() { ["Stores:Mirror:ApiServerHost"] = "api-server:8080", ["Stores:Mirror:RatePerSecond"] = "5" });
        Assert.IsType<HttpQueryMirrorTarget>(deps.Mirror);
        Assert.Equal("https://api-server:8080/v1/query/online", new HttpMirrorOptions { ApiServerHost = "api-server:8080" }.TargetUrl.AbsoluteUri);
    }
}
