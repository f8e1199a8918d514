using Persistence.Contracts;
using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>Writers that only work together: the two-stage offline pipeline, and bulk inserts for non-BigQuery stores.</summary>
internal static class TopologyRules
{
    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        if (c.Writers.Count == 0)
        {
            yield return Error(Paths.Writers, "no writers: nothing would be persisted", "add at least one writer (see docs/stack-config.md)");
            yield break;
        }

        var offline = Index(c, WriterType.OFFLINE_WRITER);
        var streaming = Index(c, WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER);
        var bulk = Index(c, WriterType.OFFLINE_STORE_BULK_INSERT_WRITER);

        if (offline >= 0 && streaming < 0)
            yield return Error($"{Paths.Writer(offline)}.type",
                "OFFLINE_WRITER only republishes results to the streaming insert topic; without an OFFLINE_STORE_STREAMING_INSERT_WRITER nothing reaches the offline store",
                "add a writer with type OFFLINE_STORE_STREAMING_INSERT_WRITER");
        if (streaming >= 0 && offline < 0)
            yield return Error($"{Paths.Writer(streaming)}.type",
                "OFFLINE_STORE_STREAMING_INSERT_WRITER without an OFFLINE_WRITER: query results never reach the streaming insert topic and offline tables are never created",
                "add a writer with type OFFLINE_WRITER");

        if (c.Stores.OfflineStore != OfflineStoreKind.BigQuery && (offline >= 0 || streaming >= 0) && bulk < 0)
            yield return Error(Paths.Writers,
                $"offline store {c.Stores.OfflineStore.ToString().ToLowerInvariant()} needs OFFLINE_STORE_BULK_INSERT_WRITER: without it offline query results (store_offline=True) are never loaded",
                "add a writer with type OFFLINE_STORE_BULK_INSERT_WRITER (only BigQuery does without it)");
    }

    private static int Index(StackConfig c, WriterType type) =>
        c.Writers.Select((w, i) => (w, i)).Where(x => x.w.Type == type).Select(x => x.i).DefaultIfEmpty(-1).First();
}
