using System.CommandLine;
using Persistence.Contracts;
using Persistence.Writer.Hosting;

namespace Persistence.Writer.Cli;

/// <summary>`run`: its options and help; the body is <see cref="RunCommand"/>.</summary>
public static class RunVerb
{
    public static Command Create()
    {
        var type = VerbOptions.Text("--type", $"the writer type, over Writer:Type: {string.Join(", ", WriterCatalog.All.Select(w => w.Type))}", "WRITER_TYPE");
        type.CompletionSources.Add(WriterCatalog.All.Select(w => w.Type.ToString()).ToArray());
        var name = VerbOptions.Text("--name", "the writer's name, over Writer:Name (DLQ context, metrics, Kafka consumer group)", "NAME");
        var command = new Command("run", "run one writer until SIGTERM; every other setting from the environment / appsettings (see README; a bad one exits 3)")
        {
            type, name,
        };
        command.SetAction((result, _) => RunCommand.RunAsync(result.GetValue(type), result.GetValue(name)));
        return command;
    }
}
