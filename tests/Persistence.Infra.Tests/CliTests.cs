using System.Diagnostics;
using Persistence.Infra.Cli;

namespace Persistence.Infra.Tests;

public class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("persistence-infra-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = InfraCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Validate_passes_on_the_repository_stacks(string stack)
    {
        var (code, output, errors) = Run("validate", "--stack", stack, "--dir", TestStacks.RepoRoot);
        Assert.True(code == 0, output + errors);
        Assert.Contains($"Pulumi.{stack}.yaml: 8 writers", output);
        Assert.Contains($"Pulumi.{stack}.yaml: 0 errors", output);
    }

    [Fact]
    public void Validate_of_a_broken_copy_exits_1_with_paths_and_fixes()
    {
        var yaml = File.ReadAllText(TestStacks.StackPath("dev"))
            .Replace("securityProtocol: SASL_SSL", "securityProtocol: SASL_PLAINTEXT", StringComparison.Ordinal)
            .Replace("memory: 1536Mi", "memory: 1.5GB", StringComparison.Ordinal)
            .Replace("uploadBucket: s3://", "uploadBucket: gs://", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir, "Pulumi.broken.yaml"), yaml);

        var (code, _, errors) = Run("validate", "--stack", "broken", "--dir", _dir);

        Assert.Equal(1, code);
        Assert.Contains("error: persistence:bus.kafka.securityProtocol: Amazon MSK accepts SASL/SCRAM only over TLS", errors);
        Assert.Contains("error: persistence:writers[2].request.memory: \"1.5GB\" is not a Kubernetes memory quantity", errors);
        Assert.Contains("error: persistence:stores.uploadBucket:", errors);
        Assert.Contains("    fix: write it as s3://<bucket>", errors);
        Assert.Contains("Pulumi.broken.yaml: 4 errors", errors);
    }

    [Fact]
    public void Secret_values_never_reach_the_output()
    {
        var yaml = File.ReadAllText(TestStacks.StackPath("dev")) + """
              persistence:kafkaSaslPassword:
                secure: v1:Y2lwaGVydGV4dC1tdXN0LW5vdC1sZWFr
              persistence:postgresPassword: plain-password-must-not-leak
            """;
        File.WriteAllText(Path.Combine(_dir, "Pulumi.secrets.yaml"), yaml);

        var (code, output, errors) = Run("validate", "--stack", "secrets", "--dir", _dir);

        Assert.Equal(1, code);
        Assert.Contains("persistence:postgresPassword: a secret is stored in plain text", errors);
        Assert.DoesNotContain("Y2lwaGVydGV4dC1tdXN0LW5vdC1sZWFr", output + errors);
        Assert.DoesNotContain("plain-password-must-not-leak", output + errors);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, Run().Code);
        Assert.Equal(2, Run("deploy").Code);
        Assert.Equal(2, Run("validate").Code);
        Assert.Equal(2, Run("validate", "--stack", "dev", "--verbose", "x").Code);

        var (code, _, errors) = Run("validate", "--stack", "staging", "--dir", TestStacks.RepoRoot);
        Assert.Equal(2, code);
        Assert.Contains("stacks here: dev, prod", errors);
    }

    [Theory]
    [InlineData(new[] { "validate", "--help" }, "--stack <name> (REQUIRED)", "--dir <dir>")]
    [InlineData(new[] { "help", "render" }, "--out <dir> (REQUIRED)", "--stack <name>")]
    [InlineData(new[] { "import", "--help" }, "--spec <file.json> (REQUIRED)", "--force")]
    [InlineData(new[] { "help" }, "validate", "import")]
    public void Each_verb_has_help_from_its_definition(string[] args, string expected, string alsoExpected)
    {
        var (code, output, errors) = Run(args);
        Assert.True(code == 0, errors);
        Assert.Contains(expected, output);
        Assert.Contains(alsoExpected, output);
    }

    [Theory]
    [InlineData(new[] { "validate", "--stack", "dev", "--verbose", "x" }, "validate: unknown option '--verbose'; options: --stack, --dir")]
    [InlineData(new[] { "render", "--stack", "dev" }, "Option '--out' is required.")]
    [InlineData(new[] { "deploy" }, "unknown verb 'deploy'; verbs: validate, render, import")]
    public void A_usage_error_names_the_problem_and_shows_the_verbs_help(string[] args, string message)
    {
        var (code, output, errors) = Run(args);
        Assert.Equal(InfraCli.Usage, code);
        Assert.Empty(output);
        Assert.Contains($"error: {message}", errors);
        Assert.Contains("Usage:", errors);
    }

    [Fact]
    public void Import_writes_a_stack_file_that_validate_then_reports_placeholders_in()
    {
        var (code, output, errors) = Run("import", "--spec", TestStacks.Fixture("installation-guide-example.json"), "--stack", "guide", "--dir", _dir);
        Assert.True(code == 0, errors);
        Assert.Contains("wrote", output);
        Assert.Contains("placeholder value: fill in \"<your api server here>\"", errors);

        var yaml = File.ReadAllText(Path.Combine(_dir, "Pulumi.guide.yaml"));
        Assert.Contains("type: METRICS_BUS_WRITER", yaml);
        Assert.Contains("type: METRICS_WRITER", yaml);

        var validate = Run("validate", "--stack", "guide", "--dir", _dir);
        Assert.Equal(1, validate.Code);
        Assert.Contains("error: persistence:stores.apiServerHost: placeholder value", validate.Err);

        Assert.Equal(2, Run("import", "--spec", TestStacks.Fixture("installation-guide-example.json"), "--stack", "guide", "--dir", _dir).Code);
        Assert.Equal(0, Run("import", "--spec", TestStacks.Fixture("installation-guide-example.json"), "--stack", "guide", "--dir", _dir, "--force").Code);
    }

    [Fact]
    public void Import_of_an_unconvertible_spec_exits_1()
    {
        var spec = Path.Combine(_dir, "spec.json");
        File.WriteAllText(spec, File.ReadAllText(TestStacks.Fixture("installation-guide-example.json")).Replace("GO_METRICS_BUS_WRITER", "GO_MYSTERY_WRITER", StringComparison.Ordinal));

        var (code, output, errors) = Run("import", "--spec", spec);

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Contains("unknown writer type \"GO_MYSTERY_WRITER\"; valid types:", errors);
    }

    [Fact]
    public void The_built_executable_validates_a_stack()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "persistence-infra.dll");
        if (!File.Exists(dll)) Assert.Skip($"{dll} was not copied next to the tests");
        var start = new ProcessStartInfo("dotnet", ["exec", dll, "validate", "--stack", "prod"])
        {
            WorkingDirectory = Path.Combine(TestStacks.RepoRoot, "infra"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("Pulumi.prod.yaml: 0 errors", output);
    }
}
