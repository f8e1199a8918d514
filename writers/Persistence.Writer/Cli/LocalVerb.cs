using System.CommandLine;
using Persistence.Writer.Local;

namespace Persistence.Writer.Cli;

/// <summary>`local`: its options and help; the body is <see cref="LocalCommand"/>.</summary>
public sealed class LocalVerb
{
    private static readonly LocalArguments Defaults = new();

    private readonly Option<int> _queries = VerbOptions.Int("--queries", Defaults.Workload.Queries, "query results to publish");
    private readonly Option<int> _rows = VerbOptions.Int("--rows", Defaults.Workload.RowsPerQuery, "rows per query result");
    private readonly Option<double> _malformed = VerbOptions.Double("--malformed", Defaults.Workload.MalformedShare, "share of malformed messages on each bus (0 to 0.5), to show the dead-letter path", "SHARE");
    private readonly Option<int> _bulkFiles = VerbOptions.Int("--bulk-files", Defaults.Workload.BulkFiles, "parquet files announced on the bulk insert bus");
    private readonly Option<int> _seed = VerbOptions.Int("--seed", Defaults.Workload.Seed, "seed of the generated workload");
    private readonly Option<string?> _out = VerbOptions.Text("--out", $"where the embedded stores go [default: {Defaults.Out}]", "DIR");
    private readonly Option<long> _budgetBytes = VerbOptions.Long("--budget-bytes", Defaults.BudgetBytes, "force a small in-flight budget per writer, to watch backpressure hold memory (0: from the memory limit)");
    private readonly Option<string?> _bus = VerbOptions.Text("--bus", $"the bus the writers run on: inprocess or pubsub [default: {Defaults.Bus}]", "inprocess|pubsub")
        .OneOf("local", "inprocess", "pubsub");
    private readonly Option<string?> _pubSubEmulator = VerbOptions.Text("--pubsub-emulator", "with --bus pubsub: the emulator (else PUBSUB_EMULATOR_HOST)", "HOST:PORT");
    private readonly Option<string?> _project = VerbOptions.Text("--project", "with --bus pubsub: the project (fresh per run by default)", "ID");
    private readonly Option<string?> _redis = VerbOptions.Text("--redis", "online values and vectors in Redis", "HOST:PORT");
    private readonly Option<bool> _redisClustered = VerbOptions.Flag("--redis-clustered", "the --redis node belongs to a Redis Cluster");
    private readonly Option<string?> _postgres = VerbOptions.Text("--postgres", "offline tables, query_log and metrics in PostgreSQL (an Npgsql connection string)", "CONNECTION-STRING");
    private readonly Option<string?> _dynamoDb = VerbOptions.Text("--dynamodb", "online values in DynamoDB (dynalite or DynamoDB Local); the run gets its own table local_ID", "http://HOST:PORT");
    private readonly Option<string?> _runId = VerbOptions.Text("--run-id", "the run's namespace in Redis and PostgreSQL: keys local:ID:*, schema local_ID (fresh by default; a reused ID is emptied first)", "ID");
    private readonly Option<bool> _quiet = VerbOptions.Flag("--quiet", "summary only");

    private LocalVerb()
    {
        Command = new Command("local", "the whole topology in one process with a generated workload; reconciles what landed (exit 0 only when it does)")
        {
            _queries, _rows, _malformed, _bulkFiles, _seed, _out, _budgetBytes, _bus, _pubSubEmulator, _project, _redis, _redisClustered, _postgres, _dynamoDb, _runId, _quiet,
        };
        Command.SetAction((result, cancel) => LocalCommand.RunAsync(Bind(result), result.InvocationConfiguration.Output, cancel));
    }

    private Command Command { get; }

    public static Command Create() => new LocalVerb().Command;

    /// <summary>Parses `local`'s own arguments (without the verb), as the tests and <see cref="LocalCommand"/>'s list overloads do.</summary>
    public static LocalArguments Parse(IReadOnlyList<string> args)
    {
        var verb = new LocalVerb();
        var result = verb.Command.Parse(args, VerbOptions.Parsing);
        if (result.Errors.Count > 0) throw new UsageException(VerbOptions.Describe(result));
        return verb.Bind(result);
    }

    private LocalArguments Bind(ParseResult result) => new()
    {
        Workload = Defaults.Workload with
        {
            Queries = result.GetValue(_queries),
            RowsPerQuery = result.GetValue(_rows),
            MalformedShare = result.GetValue(_malformed),
            BulkFiles = result.GetValue(_bulkFiles),
            Seed = result.GetValue(_seed),
        },
        Out = result.GetValue(_out) ?? Defaults.Out,
        BudgetBytes = result.GetValue(_budgetBytes),
        Bus = result.GetValue(_bus) ?? Defaults.Bus,
        PubSubEmulator = result.GetValue(_pubSubEmulator),
        Project = result.GetValue(_project),
        Redis = result.GetValue(_redis),
        RedisClustered = result.GetValue(_redisClustered),
        Postgres = result.GetValue(_postgres),
        DynamoDb = result.GetValue(_dynamoDb),
        RunId = result.GetValue(_runId),
        Quiet = result.GetValue(_quiet),
    };
}
