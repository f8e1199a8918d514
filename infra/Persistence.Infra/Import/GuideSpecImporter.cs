using System.Text.Json;
using System.Text.Json.Nodes;
using Persistence.Contracts;
using Persistence.Infra.Config;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Import;

/// <summary>
/// Converts the installation guide's JSON spec (common_persistence_specs, top-level fields, writers) into
/// stack config values. Fields with no source in the spec get "&lt;...&gt;" placeholders, which validation
/// reports until they are filled in.
/// </summary>
public static class GuideSpecImporter
{
    public static ImportResult Convert(string json, string source = "spec")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            return new(null, [ConfigProblem.Error($"{source}:{e.LineNumber + 1}", $"not valid JSON: {e.Message}", "fix the JSON syntax (the guide's example has a literal '...' you must remove)")]);
        }
        if (root is not JsonObject spec)
            return new(null, [ConfigProblem.Error(source, "the spec must be a JSON object", "start from the installation guide's example")]);

        var builder = new SpecReader(spec, source);
        var values = builder.Build();
        return new(builder.Problems.Any(p => p.IsError) ? null : values, builder.Problems) { Notes = builder.VersionNotes };
    }

    /// <summary>One conversion; collects problems as it goes so all are reported at once.</summary>
    private sealed class SpecReader(JsonObject spec, string source)
    {
        private readonly JsonObject _common = spec["common_persistence_specs"] as JsonObject ?? spec["common_specs"] as JsonObject ?? [];
        private readonly HashSet<string> _used = [];
        public List<ConfigProblem> Problems { get; } = [];

        /// <summary>Guide values kept for the record (a header comment of the stack file), with no effect.</summary>
        public List<string> VersionNotes { get; } = [];

        public Dictionary<string, JsonNode?> Build()
        {
            var backendText = Common("bus_backend")?.ToUpperInvariant();
            var backend = backendText switch
            {
                "KAFKA" => BusBackend.Kafka,
                "PUBSUB" => BusBackend.PubSub,
                _ => Fail<BusBackend>("common_persistence_specs.bus_backend", $"expected KAFKA or PUBSUB, got {Show(backendText)}", "set it to KAFKA (AWS) or PUBSUB (GCP)"),
            };
            var kafka = backend == BusBackend.Kafka;
            var aws = kafka;

            var values = new Dictionary<string, JsonNode?>
            {
                [StackConfigKeys.Cloud] = aws ? "aws" : "gcp",
                [StackConfigKeys.KubernetesNamespace] = Common("namespace") ?? "background-persistence",
                [StackConfigKeys.ServiceAccount] = ServiceAccount(aws),
                [StackConfigKeys.SecretsKey] = Secrets(aws),
                [StackConfigKeys.Bus] = Bus(kafka),
                [StackConfigKeys.Stores] = Stores(kafka),
                [StackConfigKeys.Images] = Images(),
                [StackConfigKeys.Writers] = Writers(),
            };

            foreach (var key in _common.Select(p => p.Key).Where(k => !_used.Contains("common:" + k)))
                Note($"common_persistence_specs.{key}", "not imported: no stack config field corresponds to it", "check docs/stack-config.md");
            foreach (var key in spec.Select(p => p.Key).Where(k => k is not "common_persistence_specs" and not "common_specs" and not "writers" && !_used.Contains("top:" + k)))
                Note(key, "not imported: no stack config field corresponds to it", "check docs/stack-config.md");
            return values;
        }

        private JsonObject ServiceAccount(bool aws)
        {
            var account = new JsonObject { ["name"] = Common("service_account_name") ?? "background-persistence-sa" };
            if (aws)
                account["aws"] = new JsonObject
                {
                    ["eksOidcProviderArn"] = "<EKS OIDC provider ARN: arn:aws:iam::<account>:oidc-provider/<issuer>>",
                    ["eksOidcIssuer"] = "<EKS OIDC issuer: oidc.eks.<region>.amazonaws.com/id/<id>>",
                };
            else
                account["gcp"] = new JsonObject { ["serviceAccountId"] = "<google service account id>", ["projectId"] = "<gcp project id>" };
            return account;
        }

        private JsonObject Secrets(bool aws)
        {
            var client = Common("secret_client")?.ToUpperInvariant() ?? (aws ? "AWS" : "GCP");
            if (client is not ("AWS" or "GCP"))
                Fail<int>("common_persistence_specs.secret_client", $"expected AWS or GCP, got {Show(client)}", "set it to AWS or GCP");
            var secrets = new JsonObject { ["client"] = client };
            // The guide's kafka_sasl_secret names a secret that exists (with its own key), so only a secret the stack
            // creates needs the stack's customer-managed key.
            if (client == "AWS" && Top("kafka_sasl_mechanism")?.StartsWith("SCRAM", StringComparison.Ordinal) == true && Top("kafka_sasl_secret") is null)
                secrets["kmsKeyId"] = "<customer-managed KMS key for the MSK secret>";
            return secrets;
        }

        private JsonObject Bus(bool kafka)
        {
            var topics = new JsonObject();
            var subscriptions = new JsonObject();
            var bus = new JsonObject { ["backend"] = kafka ? "KAFKA" : "PUBSUB" };
            if (Common("kafka_dlq_topic") is { } dlq) bus["deadLetterTopic"] = dlq;

            Put(topics, "streamingInsert", Common("bigquery_streaming_write_topic"));
            Put(topics, "bulkInsert", Common("bigquery_upload_topic"));
            Put(topics, "metricsBus", Common("metrics_bus_topic_id"));
            Put(topics, "operationBus", Common("operation_topic_id"));
            Put(topics, "vectorStoreBus", Common("vector_store_topic_id"));

            var subscriptionFields = new (string Key, string Field)[]
            {
                ("resultBusOnline", "result_bus_online_store_subscription_id"),
                ("resultBusOffline", "result_bus_offline_store_subscription_id"),
                ("resultBusMetrics", "result_bus_metrics_subscription_id"),
                ("streamingInsert", "bigquery_streaming_write_subscription_id"),
                ("bulkInsert", "bigquery_parquet_upload_subscription_id"),
                ("metricsBus", "metrics_bus_subscription_id"),
                ("operation", "operation_subscription_id"),
                ("vectorStore", "vector_store_subscription_id"),
            };

            if (kafka)
            {
                // Kafka has no subscriptions: the guide's "subscription ids" name the topic each writer consumes.
                var resultBus = subscriptionFields.Take(3).Select(f => (f.Field, Id: Common(f.Field))).Where(f => f.Id is not null).ToList();
                if (resultBus.Select(f => f.Id).Distinct().Count() > 1)
                    Note("common_persistence_specs.result_bus_*_subscription_id", $"on Kafka these name the result bus topic, but they differ ({string.Join(", ", resultBus.Select(f => f.Id))}); the first is used",
                        "check bus.topics.resultBus");
                Put(topics, "resultBus", resultBus.FirstOrDefault().Id);
                foreach (var (topicKey, field) in new[] { ("streamingInsert", "bigquery_streaming_write_subscription_id"), ("bulkInsert", "bigquery_parquet_upload_subscription_id"),
                             ("metricsBus", "metrics_bus_subscription_id"), ("operationBus", "operation_subscription_id"), ("vectorStoreBus", "vector_store_subscription_id") })
                {
                    var id = Common(field);
                    if (id is null) continue;
                    if (topics[topicKey] is null) topics[topicKey] = id;
                    else if (topics[topicKey]!.GetValue<string>() != id)
                        Note($"common_persistence_specs.{field}", $"on Kafka a writer consumes the topic itself; \"{id}\" differs from the topic \"{topics[topicKey]}\" and is dropped",
                            $"check bus.topics.{topicKey}");
                }
                bus["kafka"] = Kafka();
            }
            else
            {
                foreach (var (key, field) in subscriptionFields) Put(subscriptions, key, Common(field));
                topics["resultBus"] ??= "<result bus topic id>";
                bus["pubsub"] = new JsonObject { ["projectId"] = "<gcp project id>", ["projectNumber"] = "<gcp project number>" };
                bus["deadLetterTopic"] ??= "<dead-letter topic id>";
                bus["subscriptions"] = subscriptions;
            }
            bus["topics"] = topics;
            return bus;
        }

        private JsonObject Kafka()
        {
            var kafka = new JsonObject();
            var servers = Top("kafka_bootstrap_servers");
            kafka["bootstrapServers"] = new JsonArray((servers ?? "<broker host>:<port>")
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(s => s != "...")
                .Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
            Put(kafka, "securityProtocol", Top("kafka_security_protocol"));
            Put(kafka, "saslMechanism", Top("kafka_sasl_mechanism"));
            if (Top("kafka_sasl_secret") is { } secret)
            {
                kafka["saslSecret"] = secret;
                // The guide points at a secret that already exists: reference it, create nothing.
                kafka["useExistingSaslSecret"] = true;
                Note($"{StackConfigKeys.Qualified(StackConfigKeys.Bus)}.kafka.useExistingSaslSecret",
                    $"kafka_sasl_secret names an existing secret; the stack reads its username and password at pulumi up and creates or associates nothing",
                    $"to let the stack create the secret instead: pulumi config set --path 'persistence:bus.kafka.useExistingSaslSecret' false, then set persistence:kafkaSaslUsername and kafkaSaslPassword as secrets");
            }
            return kafka;
        }

        private JsonObject Stores(bool kafka)
        {
            var stores = new JsonObject();
            var integration = Top("snowflake_storage_integration_name");
            var kind = integration is not null ? "snowflake" : kafka ? "postgres" : "bigquery";
            stores["offlineStore"] = kind;
            Note($"{StackConfigKeys.Qualified(StackConfigKeys.Stores)}.offlineStore", $"the spec does not name the offline store; {kind} was inferred ({(integration is not null ? "it has a Snowflake storage integration" : "from the bus backend")})",
                $"pulumi config set --path 'persistence:stores.offlineStore' <postgres|snowflake|redshift|databricks|bigquery>");
            Put(stores, "apiServerHost", Top("api_server_host"));
            if (TopRaw("redis_is_clustered") is { } clustered)
                stores["redis"] = new JsonObject { ["host"] = "<redis host>:<port>", ["clustered"] = Flag(clustered, "redis_is_clustered") };
            Put(stores, "uploadBucket", Common("bigquery_upload_bucket"));
            Put(stores, "snowflakeStorageIntegration", integration);
            Put(stores, "metadataProvider", Top("metadata_provider"));
            return stores;
        }

        private JsonObject Images()
        {
            var go = Common("bus_writer_image_go");
            Common("bus_writer_image_python");
            Common("bus_writer_image_bswl");
            var registry = go is not null && !Names.IsPlaceholder(go) && go.LastIndexOf('/') is > 0 and var slash ? go[..slash] : "<image registry>";
            Note($"{StackConfigKeys.Qualified(StackConfigKeys.Images)}.registry",
                "the guide's per-language writer images are replaced by the one persistence-writer image built from writers/ and tagged by content hash" +
                (registry.StartsWith('<') ? "" : $"; its registry was taken from bus_writer_image_go"),
                "push the image to this registry (see README)");
            return new JsonObject { ["registry"] = registry, ["repository"] = "persistence-writer" };
        }

        private JsonArray Writers()
        {
            var writers = new JsonArray();
            if (spec["writers"] is not JsonArray list)
            {
                Fail<int>("writers", "the spec has no writers list", "add the writers to convert");
                return writers;
            }
            for (var i = 0; i < list.Count; i++)
            {
                var path = $"writers[{i}]";
                if (list[i] is not JsonObject w) { Fail<int>(path, "expected an object", "see the guide's example"); continue; }
                var typeText = Text(w["bus_subscriber_type"]);
                if (!WriterTypeAliases.TryMap(typeText, out var type))
                {
                    Fail<int>($"{path}.bus_subscriber_type", $"unknown writer type {Show(typeText)}; valid types: {string.Join(", ", Enum.GetNames<WriterType>())} (GO_, PYTHON_ and RUST_ prefixes and RESULT_BUS_* names are accepted)",
                        "use one of the valid types");
                    continue;
                }
                var writer = new JsonObject
                {
                    ["name"] = Text(w["name"]) ?? $"<name of writer {i}>",
                    ["type"] = type.ToString(),
                    ["request"] = Resources(w["request"], $"{path}.request"),
                    ["limit"] = Resources(w["limit"], $"{path}.limit"),
                };
                // The guide's version tags its own per-language images; this stack builds one image tagged by content
                // hash, so pinning the guide's tag would run an image no build produces (ImagePullBackOff).
                if (Text(w["version"]) is { } version)
                {
                    VersionNotes.Add($"{path} ({Text(w["name"])}) had version {version}: recorded here, not pinned; the stack runs the image it builds (sha-<hash of writers/>)");
                    Note($"{path}.version", $"version {version} is recorded in the header, not pinned: no build of this stack produces that tag",
                        $"to run an image you pushed yourself: pulumi config set --path 'persistence:writers[{i}].version' {version}");
                }
                if (w["default_replica_count"] is { } replicas)
                {
                    if (int.TryParse(Text(replicas), out var n)) writer["replicas"] = n;
                    else Fail<int>($"{path}.default_replica_count", $"expected a whole number, got {Show(Text(replicas))}", "e.g. 1");
                }
                foreach (var key in w.Select(p => p.Key).Except(["name", "bus_subscriber_type", "request", "limit", "version", "default_replica_count"]))
                    Note($"{path}.{key}", "not imported: no stack config field corresponds to it", "check docs/stack-config.md");
                writers.Add(writer);
            }
            return writers;
        }

        private JsonObject Resources(JsonNode? node, string path)
        {
            var cpu = Text(node?["cpu"]);
            var memory = Text(node?["memory"]);
            if (cpu is null || memory is null)
                Note(path, "cpu or memory is missing; a placeholder was written", "fill in both");
            return new JsonObject { ["cpu"] = cpu ?? "<cpu>", ["memory"] = memory ?? "<memory>" };
        }

        private JsonValue Flag(JsonNode node, string field)
        {
            var text = Text(node)?.Trim().ToLowerInvariant();
            if (text is "1" or "true" or "yes") return JsonValue.Create(true);
            if (text is "0" or "false" or "no" or "") return JsonValue.Create(false);
            return Fail<JsonValue>(field, $"expected \"1\" or \"0\", got {Show(text)}", "use \"1\" for a clustered Redis, \"0\" otherwise") ?? JsonValue.Create(false);
        }

        private string? Common(string field)
        {
            _used.Add("common:" + field);
            return Text(_common[field]);
        }

        private string? Top(string field) => Text(TopRaw(field));

        private JsonNode? TopRaw(string field)
        {
            _used.Add("top:" + field);
            // Some specs put these fields in common_persistence_specs; accept either place.
            if (spec[field] is { } node) return node;
            _used.Add("common:" + field);
            return _common[field];
        }

        private static void Put(JsonObject target, string key, string? value)
        {
            if (value is not null) target[key] = value;
        }

        private static string? Text(JsonNode? node) => node switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v => v.ToJsonString(),
            _ => null,
        };

        private static string Show(string? text) => text is null ? "nothing" : $"\"{text}\"";

        private T Fail<T>(string path, string message, string fix)
        {
            Problems.Add(ConfigProblem.Error($"{source}: {path}", message, fix));
            return default!;
        }

        private void Note(string path, string message, string fix) =>
            Problems.Add(ConfigProblem.Warning(path.StartsWith("persistence:", StringComparison.Ordinal) ? path : $"{source}: {path}", message, fix));
    }
}
