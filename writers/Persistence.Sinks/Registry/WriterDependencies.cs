using Persistence.Runtime.Bus;
using Persistence.Stores;

namespace Persistence.Sinks.Registry;

/// <summary>The stores and publishers writers may need; each writer type takes only what it uses.</summary>
public sealed record WriterDependencies(
    Func<string, IMessagePublisher> OpenPublisher,
    IOnlineStore? Online = null,
    IOfflineStore? Offline = null,
    IMetricsStore? Metrics = null,
    IVectorStore? Vectors = null,
    IQueryMirrorTarget? Mirror = null,
    IReadOnlyList<IObjectStore>? ObjectStores = null,
    string? UploadBucket = null,
    TimeProvider? Clock = null,
    string? SpoolDirectory = null);
