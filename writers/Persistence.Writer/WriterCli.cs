using Persistence.Writer.Bench;
using Persistence.Writer.Cli;
using Persistence.Writer.Hosting;
using Persistence.Writer.Local;

namespace Persistence.Writer;

/// <summary>Verb dispatch for persistence-writer.</summary>
public static class WriterCli
{
    private const string Usage = """
        usage: persistence-writer <command>

          run --type <WRITER_TYPE>   run one writer; settings from environment / appsettings (see README)
          topics ensure --topics a,b --dlq d [--partitions N] [--replication N] [--retention-hours N]
                                     create missing Kafka topics and the DLQ (Bus__Kafka__* from the environment)
          local [options]            the whole topology in one process with a workload; reconciles what landed
              options: --queries N (5000) --rows N (10) --malformed SHARE (0.01) --bulk-files N (10)
                       --seed N --out DIR (.local-run) --budget-bytes N --quiet
                       --bus pubsub --pubsub-emulator HOST:PORT [--project ID]   run over a Pub/Sub emulator
                       --redis HOST:PORT [--redis-clustered]   online values and vectors in Redis
                       --postgres "Host=..;Port=..;Username=..;Database=.."   offline tables and metrics in PostgreSQL
                       --run-id ID   the run's namespace there: keys local:ID:*, schema local_ID (fresh by default;
                                     a reused ID is emptied first); everything else stays in DuckDB under --out
        """ + "\n" + BenchCommand.Usage;

    public static async Task<int> RunAsync(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        try
        {
            return args.FirstOrDefault() switch
            {
                "local" => await LocalCommand.RunAsync(args[1..], cancel.Token).ConfigureAwait(false),
                "run" => await RunCommand.RunAsync(args[1..]).ConfigureAwait(false),
                "topics" => await TopicsCommand.RunAsync(args[1..], cancel.Token).ConfigureAwait(false),
                "bench" => await BenchCommand.RunAsync(args[1..], cancel.Token).ConfigureAwait(false),
                "help" or "--help" or "-h" => Help(0),
                null => Help(2),
                var other => throw new UsageException($"unknown command '{other}'"),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (ConfigurationProblemException e)
        {
            Console.Error.WriteLine($"configuration error:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", e.Problems)}");
            return 3;
        }
    }

    private static int Help(int code)
    {
        (code == 0 ? Console.Out : Console.Error).WriteLine(Usage);
        return code;
    }
}
