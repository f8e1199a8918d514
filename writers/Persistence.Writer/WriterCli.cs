using System.CommandLine;
using Persistence.Writer.Bench;
using Persistence.Writer.Cli;
using Persistence.Writer.Dlq;
using Persistence.Writer.Hosting;

namespace Persistence.Writer;

/// <summary>
/// persistence-writer's verbs on System.CommandLine: help per verb comes from the definitions in Cli/.
/// Exit codes: the verb's own, 2 for a usage error (printed with that verb's help), 3 for a configuration error.
/// </summary>
public static class WriterCli
{
    public const int UsageError = 2;
    public const int ConfigurationError = 3;

    /// <summary>Every verb: a new one is a file in Cli/ (options, help, how its arguments reach its body) and one line here.</summary>
    private static RootCommand Definition() => new("persistence-writer: the background persistence plane's writers")
    {
        RunVerb.Create(),
        LocalVerb.Create(),
        TopicsVerb.Create(),
        VerbOptions.SelfParsing("bench", BenchCommand.Usage, BenchCommand.RunAsync),
        VerbOptions.SelfParsing("dlq", DlqCommand.Usage, (args, cancel) => DlqCommand.RunAsync(args, cancel)),
    };

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await InvokeAsync(args, stdout, stderr, cancel.Token).ConfigureAwait(false);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static async Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        // `help [verb]` as before: the verb's help, exit 0.
        if (args is ["help", .. var verb]) args = [.. verb, "--help"];
        var result = Definition().Parse(args, VerbOptions.Parsing);
        var command = result.CommandResult.Command;
        if (result.Errors.Count > 0) return Usage(command, VerbOptions.Describe(result), stderr);
        try
        {
            return await result.InvokeAsync(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                // Exceptions map to exit codes below; SIGTERM belongs to the host's graceful drain (run), not to a 2 s kill.
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            }, cancel).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            return Usage(command, e.Message, stderr);
        }
        catch (ConfigurationProblemException e)
        {
            stderr.WriteLine($"configuration error:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", e.Problems)}");
            return ConfigurationError;
        }
    }

    private static int Usage(Command command, string message, TextWriter stderr)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine();
        // The help text is the library's, generated from the same definition (its HelpBuilder is internal in 3.x).
        Definition().Parse([.. VerbOptions.PathOf(command), "--help"]).Invoke(new InvocationConfiguration { Output = stderr });
        return UsageError;
    }
}
