using Pulumi;

namespace Persistence.PulumiHost.Components;

/// <summary>Registry login for the image push; the password stays an Output so Pulumi keeps it secret.</summary>
public sealed record RegistryLogin(Input<string> Address, Input<string> Username, Input<string> Password);
