namespace Persistence.Infra.Config;

/// <summary>
/// The one writer image (every writer type runs it). Its tag is a content hash of writers/ unless a writer
/// pins <see cref="WriterConfig.Version"/> or <see cref="Tag"/> is set.
/// </summary>
public sealed record ImagesConfig
{
    /// <summary>Registry host and path, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com or europe-docker.pkg.dev/proj/repo.</summary>
    public required string Registry { get; init; }

    public string Repository { get; init; } = "persistence-writer";

    /// <summary>Pins every writer to this tag instead of the content hash.</summary>
    public string? Tag { get; init; }
}
