using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Persistence.Buses.Kafka;

namespace Persistence.Buses.Tests;

/// <summary>
/// `topics ensure` reconciles: creates, raises partitions, sets retention, refuses a decrease. librdkafka's mock cluster
/// has no controller, so it serves none of CreateTopics, CreatePartitions or IncrementalAlterConfigs: those requests are
/// checked against <see cref="RecordingTopicAdmin"/>, which records each request and answers as a broker would
/// (including refusing a partition count that does not grow). Describing topics is checked against the mock cluster.
/// </summary>
public sealed class TopicsEnsureTests(KafkaMockCluster cluster) : IClassFixture<KafkaMockCluster>
{
    private const long Day = 86_400_000;

    [Fact]
    public async Task Missing_topics_are_created_with_their_partitions_replication_and_retention_and_a_rerun_changes_nothing()
    {
        var admin = new RecordingTopicAdmin();
        var specs = new[] { new TopicsEnsure.TopicSpec("result-bus", 6, 3, 7 * Day), new TopicsEnsure.TopicSpec("dlq", 3, 3, 14 * Day) };

        var first = await TopicsEnsure.RunAsync(admin, specs);
        var created = Assert.Single(admin.Creates);
        Assert.Equal(["result-bus:6:3:604800000", "dlq:3:3:1209600000"],
            created.Select(t => $"{t.Name}:{t.NumPartitions}:{t.ReplicationFactor}:{t.Configs[KafkaTopicAdmin.RetentionMs]}"));
        Assert.Equal(["result-bus", "dlq"], first.Created);

        var second = await TopicsEnsure.RunAsync(admin, specs);
        Assert.Single(admin.Creates);
        Assert.Empty(admin.PartitionIncreases);
        Assert.Empty(admin.ConfigChanges);
        Assert.Empty(second.Created);
        Assert.Equal(["result-bus", "dlq"], second.Present);
    }

    [Fact]
    public async Task Raising_partitions_adds_partitions_to_exactly_the_topics_that_have_fewer()
    {
        var admin = new RecordingTopicAdmin(new TopicState("result-bus", 3, 3, 7 * Day), new TopicState("metrics-bus", 6, 3, 7 * Day));

        var outcome = await TopicsEnsure.RunAsync(admin,
            [new TopicsEnsure.TopicSpec("result-bus", 6, 3, 7 * Day), new TopicsEnsure.TopicSpec("metrics-bus", 6, 3, 7 * Day)]);

        var request = Assert.Single(admin.PartitionIncreases);
        var increase = Assert.Single(request);
        Assert.Equal(("result-bus", 6), (increase.Topic, increase.IncreaseTo));
        Assert.Equal(6, admin.Topics["result-bus"].Partitions);
        Assert.Equal(["result-bus: 3 -> 6"], outcome.PartitionsIncreased);
        Assert.Empty(admin.Creates);
        Assert.Empty(admin.ConfigChanges);
    }

    [Fact]
    public async Task A_retention_change_is_set_incrementally_on_the_topics_whose_retention_differs()
    {
        var admin = new RecordingTopicAdmin(new TopicState("result-bus", 6, 3, 7 * Day), new TopicState("dlq", 3, 3, 14 * Day), new TopicState("metrics-bus", 6, 3, null));

        var outcome = await TopicsEnsure.RunAsync(admin,
            [new("result-bus", 6, 3, 3 * Day), new("dlq", 3, 3, 14 * Day), new("metrics-bus", 6, 3, 3 * Day)]);

        var request = Assert.Single(admin.ConfigChanges);
        Assert.Equal(["metrics-bus", "result-bus"], request.Keys.Select(r => r.Name).Order());
        Assert.All(request.Keys, r => Assert.Equal(ResourceType.Topic, r.Type));
        var entry = Assert.Single(request.Single(r => r.Key.Name == "result-bus").Value);
        Assert.Equal((KafkaTopicAdmin.RetentionMs, "259200000", AlterConfigOpType.Set), (entry.Name, entry.Value, entry.IncrementalOperation));
        Assert.Equal(3 * Day, admin.Topics["result-bus"].RetentionMs);
        Assert.Equal(14 * Day, admin.Topics["dlq"].RetentionMs);
        Assert.Equal(["result-bus: retention.ms 604800000 -> 259200000", "metrics-bus: retention.ms unset -> 259200000"], outcome.ConfigsAltered);
    }

    [Fact]
    public async Task A_partition_decrease_is_refused_naming_the_topic_the_counts_and_the_key_and_nothing_is_changed()
    {
        var admin = new RecordingTopicAdmin(new TopicState("result-bus", 12, 3, 7 * Day));

        var error = await Assert.ThrowsAsync<TopicsRefusedException>(() => TopicsEnsure.RunAsync(admin,
            [new("result-bus", 6, 3, 1 * Day), new("new-topic", 6, 3, 1 * Day)]));

        var problem = Assert.Single(error.Problems);
        Assert.Contains("topic 'result-bus' has 12 partitions and 6 were asked: Kafka cannot remove partitions", problem);
        Assert.Contains("persistence:bus.kafka.partitions", problem);
        Assert.Contains("at least 12", problem);
        Assert.Empty(admin.Creates);
        Assert.Empty(admin.PartitionIncreases);
        Assert.Empty(admin.ConfigChanges);
        Assert.Equal(7 * Day, admin.Topics["result-bus"].RetentionMs);
    }

    [Fact]
    public async Task A_different_replication_factor_is_reported_not_requested()
    {
        var admin = new RecordingTopicAdmin(new TopicState("result-bus", 6, 2, 7 * Day));

        var outcome = await TopicsEnsure.RunAsync(admin, [new("result-bus", 6, 3, 7 * Day)]);

        Assert.Contains("keeps replication factor 2 (3 asked)", Assert.Single(outcome.Notes));
        Assert.Empty(admin.Creates);
        Assert.Empty(admin.PartitionIncreases);
        Assert.Empty(admin.ConfigChanges);
    }

    [Fact]
    public async Task The_admin_client_describes_partition_counts_on_the_mock_cluster()
    {
        var topic = KafkaMockCluster.NewTopic();
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" });
        using var client = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var admin = new KafkaTopicAdmin(client, TimeSpan.FromSeconds(10));

        IReadOnlyDictionary<string, TopicState> described;
        try
        {
            described = await admin.DescribeAsync([topic, "never-created-" + topic], CancellationToken.None);
        }
        catch (Exception e) when (e is KafkaException or BusUnavailableException)
        {
            Assert.Skip($"librdkafka's mock cluster does not serve DescribeTopics/DescribeConfigs here ({e.Message}); the reconciliation is covered by the recording admin");
            return;
        }
        var state = Assert.Single(described).Value;
        Assert.Equal(topic, state.Name);
        Assert.True(state.Partitions > 0, $"partitions: {state.Partitions}");
    }

    [Fact]
    public async Task Ensure_against_the_mock_cluster_runs_where_it_serves_the_requests()
    {
        var topic = $"ensure-{Guid.NewGuid():N}";
        var specs = new[] { new TopicsEnsure.TopicSpec(topic, 3, 1, Day), new TopicsEnsure.TopicSpec(topic + "-dlq", 1, 1, 7 * Day) };
        TopicsEnsure.Outcome first;
        try
        {
            first = await TopicsEnsure.RunAsync(cluster.Options(), specs, TimeSpan.FromSeconds(5));
        }
        catch (BusUnavailableException e)
        {
            Assert.Skip($"librdkafka's mock cluster does not serve the admin requests of topics ensure ({e.Message}); they are checked against the recording admin");
            return;
        }
        var second = await TopicsEnsure.RunAsync(cluster.Options(), specs);
        Assert.Equal(2, first.Created.Count);
        Assert.Equal([topic, topic + "-dlq"], second.Present.Order());
        Assert.Empty(second.Created);
    }
}

/// <summary>
/// Records every admin request <see cref="TopicsEnsure"/> makes and answers from an in-memory topic table the way a
/// broker does: CreatePartitions to a count that does not grow fails with InvalidPartitions.
/// </summary>
public sealed class RecordingTopicAdmin : ITopicAdmin
{
    public RecordingTopicAdmin(params TopicState[] existing)
    {
        foreach (var topic in existing) Topics[topic.Name] = topic;
    }

    public Dictionary<string, TopicState> Topics { get; } = [];
    public List<List<string>> Describes { get; } = [];
    public List<List<TopicSpecification>> Creates { get; } = [];
    public List<List<PartitionsSpecification>> PartitionIncreases { get; } = [];
    public List<Dictionary<ConfigResource, List<ConfigEntry>>> ConfigChanges { get; } = [];

    public Task<IReadOnlyDictionary<string, TopicState>> DescribeAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        Describes.Add([.. names]);
        return Task.FromResult<IReadOnlyDictionary<string, TopicState>>(names.Where(Topics.ContainsKey).ToDictionary(n => n, n => Topics[n]));
    }

    public Task<IReadOnlyList<string>> CreateAsync(IReadOnlyList<TopicSpecification> topics, CancellationToken cancellationToken)
    {
        Creates.Add([.. topics]);
        var existed = topics.Where(t => Topics.ContainsKey(t.Name)).Select(t => t.Name).ToList();
        foreach (var t in topics.Where(t => !Topics.ContainsKey(t.Name)))
            Topics[t.Name] = new TopicState(t.Name, t.NumPartitions, t.ReplicationFactor, long.Parse(t.Configs[KafkaTopicAdmin.RetentionMs], System.Globalization.CultureInfo.InvariantCulture));
        return Task.FromResult<IReadOnlyList<string>>(existed);
    }

    public Task IncreasePartitionsAsync(IReadOnlyList<PartitionsSpecification> increases, CancellationToken cancellationToken)
    {
        PartitionIncreases.Add([.. increases]);
        var invalid = increases.Where(i => !Topics.ContainsKey(i.Topic) || i.IncreaseTo <= Topics[i.Topic].Partitions).ToList();
        if (invalid.Count > 0)
            throw new BusUnavailableException("could not add partitions: " + string.Join("; ", invalid.Select(i => $"{i.Topic}: InvalidPartitions")));
        foreach (var i in increases) Topics[i.Topic] = Topics[i.Topic] with { Partitions = i.IncreaseTo };
        return Task.CompletedTask;
    }

    public Task AlterConfigsAsync(Dictionary<ConfigResource, List<ConfigEntry>> changes, CancellationToken cancellationToken)
    {
        ConfigChanges.Add(changes);
        foreach (var (resource, entries) in changes)
            foreach (var entry in entries.Where(e => e.Name == KafkaTopicAdmin.RetentionMs && e.IncrementalOperation == AlterConfigOpType.Set))
                Topics[resource.Name] = Topics[resource.Name] with { RetentionMs = long.Parse(entry.Value, System.Globalization.CultureInfo.InvariantCulture) };
        return Task.CompletedTask;
    }
}
