using Persistence.Contracts;

namespace Persistence.Infra.Desired.Kubernetes;

/// <summary>Recommended app.kubernetes.io labels; the selector uses only the two that never change for a writer.</summary>
public static class Labels
{
    public const string PartOf = "background-persistence";
    public const string ManagedBy = "pulumi";

    public static string Component(WriterType type) => type.ToString().ToLowerInvariant().Replace('_', '-');

    public static Dictionary<string, string> Selector(string writerName) => new()
    {
        ["app.kubernetes.io/name"] = writerName,
        ["app.kubernetes.io/part-of"] = PartOf,
    };

    public static Dictionary<string, string> ForWriter(string writerName, WriterType type) => new(Selector(writerName))
    {
        ["app.kubernetes.io/component"] = Component(type),
        ["app.kubernetes.io/managed-by"] = ManagedBy,
    };

    public static Dictionary<string, string> ForStack(string component) => new()
    {
        ["app.kubernetes.io/name"] = "persistence-writer",
        ["app.kubernetes.io/component"] = component,
        ["app.kubernetes.io/part-of"] = PartOf,
        ["app.kubernetes.io/managed-by"] = ManagedBy,
    };
}
