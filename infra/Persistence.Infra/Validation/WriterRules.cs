using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>Writer names and resources: unique DNS labels, parseable quantities, requests within limits.</summary>
internal static class WriterRules
{
    private const decimal MinimumMemory = 256 * Quantities.Mi;

    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (w, i) in c.Writers.Select((w, i) => (w, i)))
        {
            var path = Paths.Writer(i);
            if (!Names.IsDnsLabel(w.Name))
                yield return Error($"{path}.name", $"\"{w.Name}\" is not a valid Deployment name (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)",
                    $"e.g. {Suggest(w.Name)}");
            if (seen.TryGetValue(w.Name, out var first))
                yield return Error($"{path}.name", $"duplicate writer name \"{w.Name}\" (also {Paths.Writer(first)}); each writer is its own Deployment and consumer group",
                    "give each writer a unique name");
            else seen[w.Name] = i;

            if (w.Version is { } version && !Names.IsImageTag(version))
                yield return Error($"{path}.version", $"\"{version}\" is not a valid image tag", "letters, digits, '_', '.', '-' (at most 128), or remove it to use the content-hash tag");
            else if (w.Version is { } pin && !Names.IsContentTag(pin))
                yield return Warning($"{path}.version",
                    $"pins image tag \"{pin}\", which no build of this stack produces (it builds and pushes {c.Images.Registry}/{c.Images.Repository}:sha-<hash of writers/>); unless that tag was pushed by hand, the pods get ImagePullBackOff",
                    $"remove the pin: pulumi config rm --path '{path}.version' (or push {c.Images.Registry}/{c.Images.Repository}:{pin} first)");
            if (w.Replicas < 0)
                yield return Error($"{path}.replicas", $"must be 0 or more, got {w.Replicas}", "1");

            foreach (var p in Resources(w, path)) yield return p;
            if (Spool(w, path) is { } spool) yield return spool;
        }
    }

    /// <summary>The bulk insert writer spools each object to disk: the size must parse, and only that writer has a spool.</summary>
    private static ConfigProblem? Spool(WriterConfig w, string path)
    {
        if (w.SpoolSize is not { } size) return null;
        if (w.Type != Contracts.WriterType.OFFLINE_STORE_BULK_INSERT_WRITER)
            return Warning($"{path}.spoolSize", $"only OFFLINE_STORE_BULK_INSERT_WRITER spools objects to disk; {w.Type} ignores it", $"pulumi config rm --path '{path}.spoolSize'");
        Parse(size, $"{path}.spoolSize", "disk", out var problem);
        return problem;
    }

    private static IEnumerable<ConfigProblem> Resources(WriterConfig w, string path)
    {
        var requestCpu = Parse(w.Request.Cpu, $"{path}.request.cpu", "cpu", out var e1);
        var limitCpu = Parse(w.Limit.Cpu, $"{path}.limit.cpu", "cpu", out var e2);
        var requestMemory = Parse(w.Request.Memory, $"{path}.request.memory", "memory", out var e3);
        var limitMemory = Parse(w.Limit.Memory, $"{path}.limit.memory", "memory", out var e4);
        foreach (var e in new[] { e1, e2, e3, e4 }.OfType<ConfigProblem>()) yield return e;

        if (requestCpu > limitCpu)
            yield return Error($"{path}.request.cpu", $"request {w.Request.Cpu} is above the limit {w.Limit.Cpu}; Kubernetes rejects the Deployment",
                $"lower the request or raise {path}.limit.cpu");
        if (requestMemory > limitMemory)
            yield return Error($"{path}.request.memory", $"request {w.Request.Memory} is above the limit {w.Limit.Memory}; Kubernetes rejects the Deployment",
                $"pulumi config set --path '{path}.request.memory' {w.Limit.Memory}");
        else if (requestMemory is not null && limitMemory is not null && requestMemory < limitMemory)
            yield return Warning($"{path}.request.memory",
                $"memory request {w.Request.Memory} is below the limit {w.Limit.Memory}: the node may not have the difference when the writer needs it, which is how OOMKills start",
                $"set request = limit: pulumi config set --path '{path}.request.memory' {w.Limit.Memory}");
        if (limitMemory is < MinimumMemory)
            yield return Warning($"{path}.limit.memory", $"{w.Limit.Memory} is below 256Mi; the .NET runtime plus a useful in-flight budget needs more, so the writer will crawl or be OOMKilled",
                $"raise it: pulumi config set --path '{path}.limit.memory' 512Mi (and the request to match)");
    }

    private static decimal? Parse(string text, string path, string kind, out ConfigProblem? problem)
    {
        problem = null;
        if (Quantities.TryParse(text, out var value) && value > 0) return value;
        problem = Quantities.TryParse(text, out _)
            ? Error(path, $"{kind} must be above zero, got \"{text}\"", kind == "cpu" ? "e.g. 500m or 1" : "e.g. 512Mi or 20Gi")
            : Error(path, $"\"{text}\" is not a Kubernetes {kind} quantity",
                kind == "cpu" ? "write cores (1, 0.5) or millicores (500m)" : "write bytes with a binary suffix, e.g. 512Mi or 20Gi (not 2GB or 2 Gi)");
        return null;
    }

    private static string Suggest(string name)
    {
        var cleaned = new string(name.ToLowerInvariant().Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-').ToArray()).Trim('-');
        return cleaned.Length is > 0 and <= 63 ? cleaned : "result-bus-online-writer";
    }
}
