using Pulumi;

namespace Persistence.PulumiHost.Hosting;

/// <summary>
/// A nullable desired-state value as an optional provider argument: null stays "not set" (the provider's default),
/// rather than an Input holding null, which Pulumi's annotated conversions rightly warn about.
/// </summary>
public static class Optional
{
    public static Input<T>? Input<T>(T? value) where T : class
    {
        if (value is null) return null;
        return value;
    }
}
