namespace Persistence.Sinks.Online;

/// <summary>
/// Online key layout: "online:{feature fqn}:{entity key}", e.g. "online:user.credit_score:user:42".
/// One key per feature and entity, because each feature has its own TTL (max_staleness).
/// </summary>
public static class OnlineKeys
{
    public static string For(string featureFqn, string entityKey) => $"online:{featureFqn}:{entityKey}";
}
