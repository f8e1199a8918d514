using System.Text.Json.Nodes;
using Persistence.Infra.Validation;

namespace Persistence.Infra.Import;

/// <summary>
/// Namespace-stripped config values converted from a JSON spec (null when the spec could not be converted),
/// and what the conversion found: errors for what cannot be converted, warnings for what was inferred or dropped.
/// </summary>
public sealed record ImportResult(IReadOnlyDictionary<string, JsonNode?>? Values, IReadOnlyList<ConfigProblem> Problems)
{
    public bool Succeeded => Values is not null;

    /// <summary>Spec values recorded for people but given no effect (e.g. the guide's writer versions), for the file's header.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
