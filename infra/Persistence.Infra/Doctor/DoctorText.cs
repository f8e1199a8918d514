using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Persistence.Infra.Doctor;

/// <summary>The doctor report as a table for people, or as JSON for scripts.</summary>
public static class DoctorText
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Fixes hold shell quotes and '&&': keep them readable in the JSON; it is never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToJson(DoctorReport report) =>
        JsonSerializer.Serialize(new { report.Stack, report.Namespace, report.Bus, report.NamespaceExists, report.NeedsAction, report.Writers, report.Stores, report.Dlq, report.Findings, report.Symptoms }, Json);

    public static string ToTable(DoctorReport r)
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"doctor: stack {r.Stack} ({r.Bus}), namespace {r.Namespace}{(r.NamespaceExists ? "" : " (missing)")}");
        s.AppendLine();
        s.AppendLine(Row("WRITER", "TYPE", "DEPLOYED", "READY", "SCALER", "PODS", "QUEUE"));
        foreach (var w in r.Writers)
            s.AppendLine(Row(w.Name, w.Type, w.Deployed ? "yes" : "NO", w.Replicas, w.ScaledObject switch { true => "yes", false => "NO", null => "-" }, Pods(w), Queue(w.Queue)));
        if (r.Stores.Count > 0)
        {
            s.AppendLine().AppendLine("Stores");
            foreach (var st in r.Stores) s.AppendLine(CultureInfo.InvariantCulture, $"  {st.Store,-9} {st.Endpoint,-36} {(st.Reachable ? "reachable" : "UNREACHABLE"),-12} {st.Detail}");
        }
        if (r.Dlq is { } d)
        {
            s.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"DLQ {d.Queue}: {(d.Depth is { } n ? $"{n} dead letter(s)" : d.Status)}");
            if (d.TopErrorClasses.Count > 0) s.AppendLine(CultureInfo.InvariantCulture, $"  top error classes: {string.Join(", ", d.TopErrorClasses.Select(c => $"{c.Key} x{c.Value}"))}");
            if (d.ByWriter.Count > 0) s.AppendLine(CultureInfo.InvariantCulture, $"  by writer: {string.Join(", ", d.ByWriter.Select(c => $"{c.Key} x{c.Value}"))}");
        }
        var all = r.Writers.SelectMany(w => w.Findings).Concat(r.Findings).ToList();
        Section(s, "Needs action", all.Where(f => f.Severity == Severity.Action), "!");
        Section(s, "Warnings", all.Where(f => f.Severity == Severity.Warning), "-");
        Section(s, "Notes", all.Where(f => f.Severity == Severity.Info), " ");
        if (r.Symptoms.Count > 0)
        {
            s.AppendLine().AppendLine("Symptoms (debugging guide) -> what was found");
            foreach (var sym in r.Symptoms)
            {
                s.AppendLine(CultureInfo.InvariantCulture, $"  {sym.Symptom}");
                s.AppendLine(CultureInfo.InvariantCulture, $"      found: {sym.Evidence}");
                if (sym.Fix.Length > 0) s.AppendLine(CultureInfo.InvariantCulture, $"      do:    {sym.Fix}");
            }
        }
        var actions = all.Count(f => f.Severity == Severity.Action);
        s.AppendLine().AppendLine(actions == 0 ? "RESULT: nothing needs action" : $"RESULT: {actions} finding(s) need action");
        return s.ToString();
    }

    private static void Section(StringBuilder s, string title, IEnumerable<Finding> findings, string mark)
    {
        var list = findings.ToList();
        if (list.Count == 0) return;
        s.AppendLine().AppendLine(title);
        foreach (var f in list)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"  {mark} {f.Subject}: {f.Message}");
            if (f.Fix is not null) s.AppendLine(CultureInfo.InvariantCulture, $"      fix: {f.Fix}");
        }
    }

    private static string Pods(WriterReport w) =>
        w.Pods.Count == 0 ? "none" : string.Join(", ", w.Pods.GroupBy(p => p.State).Select(g => $"{g.Count()} {g.Key}")) +
        (w.Pods.Sum(p => p.Restarts) is var restarts and > 0 ? $" ({restarts} restarts)" : "");

    private static string Queue(QueueReport? q) => q switch
    {
        null => "-",
        { Status: "ok", Trend: { } trend } => $"lag {q.First} -> {q.Second} {trend}",
        { Status: "ok" } => $"lag {q.Second}",
        _ => q.Status.StartsWith("not reachable", StringComparison.Ordinal) ? "not reachable" : q.Status,
    };

    private static string Row(string a, string b, string c, string d, string e, string f, string g) =>
        string.Create(CultureInfo.InvariantCulture, $"{a,-40} {b,-37} {c,-8} {d,-5} {e,-6} {f,-34} {g}");
}
