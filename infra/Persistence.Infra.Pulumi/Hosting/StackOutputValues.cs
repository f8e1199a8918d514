using Persistence.Infra.Desired;

namespace Persistence.PulumiHost.Hosting;

/// <summary><see cref="StackOutputs"/> as Pulumi stack outputs (`pulumi stack output namespace`, ...).</summary>
public static class StackOutputValues
{
    // Lists as List<string>: Pulumi serialises any IList, and a collection expression's read-only type need not be one.
    public static Dictionary<string, object?> From(StackOutputs outputs) => new(StringComparer.Ordinal)
    {
        ["namespace"] = outputs.Namespace,
        ["imageRef"] = outputs.ImageReference,
        ["deployments"] = outputs.DeploymentNames.ToList(),
        ["topics"] = outputs.TopicNames.ToList(),
        ["subscriptions"] = outputs.SubscriptionNames.ToList(),
    };
}
