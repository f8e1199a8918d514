using System.Net;
using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.Configuration;
using Persistence.Buses.Kafka;
using Persistence.Buses.PubSub;
using Persistence.Infra.Config;
using Persistence.Infra.Doctor;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Cli.Commands;

/// <summary>
/// doctor --stack &lt;name&gt;: reads the cluster (kubeconfig from --kubeconfig, KUBECONFIG or ~/.kube/config; --context),
/// the bus and the stores the stack declares, and reports what needs action. Exit 0 nothing to do, 4 something needs
/// action, 1 the stack config is invalid or the cluster is not reachable.
/// </summary>
public static class DoctorCommand
{
    public const int NeedsAction = 4;

    public static readonly string[] Options = ["--stack", "--dir", "--context", "--kubeconfig", "--sample-seconds", "--bootstrap-servers", "--pubsub-emulator",
        "--redis", "--postgres", "--monitoring-endpoint", "--creating-minutes"];
    public static readonly string[] Switches = ["--json"];

    public static int Run(CliOptions options, TextWriter stdout, TextWriter stderr)
    {
        var stack = options.Require("--stack");
        var path = StackLocator.StackFilePath(stack, options.Get("--dir"));
        if (!File.Exists(path))
            throw new UsageException($"{path} does not exist; stacks here: {string.Join(", ", StackLocator.ExistingStacks(Path.GetDirectoryName(path)!).DefaultIfEmpty("none"))}");
        var report = StackValidator.RunFile(path);
        if (report.HasErrors || report.Config is null)
        {
            ProblemPrinter.Print(report.Problems, Path.GetFileName(path), stderr);
            stderr.WriteLine($"doctor: the stack config has errors; `persistence-infra validate --stack {stack}` lists them");
            return InfraCli.ConfigErrors;
        }
        var config = report.Config;

        IKubernetes kubernetes;
        try
        {
            var kube = options.Get("--kubeconfig") is null && KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Get("--kubeconfig"), currentContext: options.Get("--context"));
            kubernetes = new Kubernetes(kube);
        }
        catch (KubeConfigException e)
        {
            stderr.WriteLine($"doctor: no usable kubeconfig ({e.Message}); pass --kubeconfig FILE, set KUBECONFIG, or --context NAME");
            return InfraCli.ConfigErrors;
        }

        var doctorOptions = Build(config, options, stderr);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        try
        {
            using (kubernetes)
            {
                var result = new StackDoctor(config, stack, kubernetes, doctorOptions, http, TimeProvider.System).RunAsync(CancellationToken.None).GetAwaiter().GetResult();
                stdout.Write(options.Has("--json") ? DoctorText.ToJson(result) + Environment.NewLine : DoctorText.ToTable(result));
                return result.NeedsAction ? NeedsAction : InfraCli.Ok;
            }
        }
        catch (HttpRequestException e)
        {
            stderr.WriteLine($"doctor: the Kubernetes API is not reachable ({e.Message}); check the kubeconfig context{(options.Get("--context") is { } c ? $" {c}" : "")}");
            return InfraCli.ConfigErrors;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            stderr.WriteLine($"doctor: the Kubernetes API refused the request ({(int)e.Response.StatusCode}): the identity needs get/list on pods, pods/log, events, deployments and scaledobjects.keda.sh in {config.Namespace}");
            return InfraCli.ConfigErrors;
        }
    }

    /// <summary>
    /// Endpoints from the stack; --bootstrap-servers, --redis, --postgres override them (a port-forward). Kafka credentials
    /// come from Bus__Kafka__SaslUsername / Bus__Kafka__SaslPassword (or Bus__Kafka__SaslSecretPath), never from the stack.
    /// </summary>
    private static DoctorOptions Build(StackConfig config, CliOptions options, TextWriter stderr)
    {
        var env = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        KafkaBusOptions? kafka = null;
        if (config.Bus.Backend == BusBackend.Kafka)
        {
            kafka = env.GetSection("Bus:Kafka").Get<KafkaBusOptions>() ?? new KafkaBusOptions();
            var overridden = options.Get("--bootstrap-servers");
            kafka.BootstrapServers = overridden ?? (string.IsNullOrEmpty(kafka.BootstrapServers) ? string.Join(',', config.Bus.Kafka?.BootstrapServers ?? []) : kafka.BootstrapServers);
            if (env["Bus:Kafka:SecurityProtocol"] is null)
            {
                kafka.SecurityProtocol = overridden is null ? config.Bus.Kafka?.SecurityProtocol ?? "SASL_SSL" : "PLAINTEXT";
                kafka.SaslMechanism = config.Bus.Kafka?.SaslMechanism ?? "";
            }
            if (kafka.Problems().ToList() is { Count: > 0 } problems)
            {
                stderr.WriteLine($"doctor: Kafka not checked: {string.Join("; ", problems)}");
                kafka = null;
            }
        }
        PubSubBusOptions? pubsub = config.Bus.Backend == BusBackend.PubSub
            ? new PubSubBusOptions { ProjectId = config.Bus.PubSub?.ProjectId ?? "", EmulatorHost = options.Get("--pubsub-emulator") ?? "" }
            : null;
        var pg = config.Stores.Postgres;
        var postgres = options.Get("--postgres") ?? (pg is null ? null : $"Host={pg.Host};Port={pg.Port};Database={pg.Database};Username={pg.Username}");
        var sample = double.TryParse(options.Get("--sample-seconds") ?? "10", System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds) : throw new UsageException("--sample-seconds must be a number of seconds");
        var creating = options.Get("--creating-minutes") is { } m ? TimeSpan.FromMinutes(double.Parse(m, System.Globalization.CultureInfo.InvariantCulture)) : (TimeSpan?)null;
        return new DoctorOptions(sample, kafka, pubsub, options.Get("--monitoring-endpoint") ?? "https://monitoring.googleapis.com",
            options.Get("--redis") ?? config.Stores.Redis?.Host, options.Get("--redis") is null && config.Stores.Redis?.Tls == true, postgres,
            ContainerCreatingTooLong: creating);
    }
}
