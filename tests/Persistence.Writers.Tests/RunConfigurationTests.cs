using Persistence.Writer.Hosting;

namespace Persistence.Writers.Tests;

/// <summary>`persistence-writer run` refuses settings that cannot work, listing every problem with its key, before connecting.</summary>
public sealed class RunConfigurationTests
{
    /// <summary>The host `run` builds, from these settings only: validation happens before anything connects.</summary>
    internal static ConfigurationProblemException Problems(Dictionary<string, string?> settings) =>
        Assert.Throws<ConfigurationProblemException>(() => WriterHost.Build(WriterHost.CreateEmptyBuilder(settings)));

    [Fact]
    public void Empty_settings_name_every_required_key()
    {
        var error = Problems([]);
        Assert.Contains(error.Problems, p => p.StartsWith("Writer:Type is required; valid types: ONLINE_WRITER, OFFLINE_WRITER"));
        Assert.Contains(error.Problems, p => p.StartsWith("Bus:DeadLetterTopic is required"));
        Assert.Contains(error.Problems, p => p.StartsWith("Bus:Backend is required"));
    }

    [Fact]
    public void A_republishing_writer_without_its_output_topic_is_refused()
    {
        var error = Problems(new() { ["Writer:Type"] = "OFFLINE_WRITER", ["Writer:Subscription"] = "result-bus-offline", ["Bus:DeadLetterTopic"] = "dlq-1" });
        Assert.Contains(error.Problems, p => p.StartsWith("Writer:OutputTopic is required: OFFLINE_WRITER republishes to the StreamingInsertBus topic"));
        Assert.DoesNotContain(error.Problems, p => p.StartsWith("Writer:Subscription"));
    }

    [Fact]
    public void An_unknown_writer_type_lists_the_valid_ones()
    {
        var error = Problems(new() { ["Writer:Type"] = "GO_METRICS_WRITER", ["Writer:MaxBatchMessages"] = "lots" });
        Assert.Contains(error.Problems, p => p.StartsWith("Writer:Type: unknown writer type 'GO_METRICS_WRITER'; valid types: ONLINE_WRITER,"));
        Assert.Contains(error.Problems, p => p.Contains("Writer:MaxBatchMessages") && p.Contains("lots"));
        Assert.DoesNotContain(error.Problems, p => p.StartsWith("Writer:Type is required"));
    }

    [Fact]
    public void Nonsense_numbers_are_refused()
    {
        var error = Problems(new() { ["Writer:Type"] = "ONLINE_WRITER", ["Writer:MaxBatchMessages"] = "0", ["Writer:MemoryBudgetFraction"] = "3" });
        Assert.Contains(error.Problems, p => p.Contains("Writer:MaxBatchMessages must be at least 1"));
        Assert.Contains(error.Problems, p => p.Contains("Writer:MemoryBudgetFraction must be in (0, 1]"));
    }

    [Theory]
    [InlineData("gs://team-uploads", "AWS", "does not match Stores:Cloud=AWS: use a s3:// bucket")]
    [InlineData("s3://team-uploads", "GCP", "does not match Stores:Cloud=GCP: use a gs:// bucket")]
    [InlineData("team-uploads", null, "must start with s3:// (AWS) or gs:// (GCP)")]
    public void An_upload_bucket_with_the_wrong_cloud_prefix_is_refused(string bucket, string? cloud, string message)
    {
        var error = Problems(new() { ["Writer:Type"] = "OFFLINE_STORE_BULK_INSERT_WRITER", ["Stores:UploadBucket"] = bucket, ["Stores:Cloud"] = cloud });
        Assert.Contains(error.Problems, p => p.StartsWith("Stores:UploadBucket") && p.Contains(message));
    }

    [Fact]
    public void Pub_sub_needs_its_project_and_a_sane_ack_deadline()
    {
        var error = Problems(new() { ["Writer:Type"] = "ONLINE_WRITER", ["Bus:Backend"] = "PubSub", ["Bus:PubSub:AckDeadlineSeconds"] = "5" });
        Assert.Contains(error.Problems, p => p.StartsWith("Bus:PubSub:ProjectId is required"));
        Assert.Contains(error.Problems, p => p.StartsWith("Bus:PubSub:AckDeadlineSeconds must be between 10 and 600"));
        Assert.DoesNotContain(error.Problems, p => p.StartsWith("Bus:Backend"));
    }

    [Fact]
    public void An_unknown_bus_backend_lists_the_valid_ones()
    {
        var error = Problems(new() { ["Writer:Type"] = "ONLINE_WRITER", ["Bus:Backend"] = "SQS" });
        Assert.Contains(error.Problems, p => p.StartsWith("Bus:Backend 'SQS' is not a bus backend; valid: Kafka (AWS/MSK), PubSub (GCP)"));
    }

    [Fact]
    public void A_bus_setting_that_does_not_convert_is_named_not_a_stack_trace()
    {
        var error = Problems(new()
        {
            ["Writer:Type"] = "ONLINE_WRITER", ["Writer:Subscription"] = "result-bus-online", ["Bus:DeadLetterTopic"] = "dlq",
            ["Bus:Backend"] = "Kafka", ["Bus:Kafka:BootstrapServers"] = "127.0.0.1:9092", ["Bus:Kafka:SessionTimeoutMs"] = "abc",
        });
        var problem = Assert.Single(error.Problems);
        Assert.Contains("Bus:Kafka:SessionTimeoutMs", problem);
        Assert.Contains("'abc'", problem);
    }

    [Fact]
    public void Host_settings_of_the_writer_section_are_checked_too()
    {
        var error = Problems(new() { ["Writer:Type"] = "ONLINE_WRITER", ["Writer:StartupTimeoutSeconds"] = "soon", ["Writer:HealthPort"] = "70000" });
        Assert.Contains(error.Problems, p => p.StartsWith("Writer:StartupTimeoutSeconds must be a whole number (got 'soon')"));
        Assert.Contains(error.Problems, p => p.StartsWith("Writer:HealthPort must be a TCP port"));
    }
}
