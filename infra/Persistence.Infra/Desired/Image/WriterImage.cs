namespace Persistence.Infra.Desired.Image;

/// <summary>
/// The one writer image. <see cref="Reference"/> is what Deployments run unless a writer pins a version;
/// <see cref="Build"/> is null when images.tag pins every writer to an existing image (nothing to build).
/// </summary>
public sealed record WriterImage(string Registry, string Repository, string Tag, string Reference, ImageBuild? Build)
{
    /// <summary>Registry host for the push login, e.g. europe-west4-docker.pkg.dev.</summary>
    public string RegistryHost => Registry.Split('/')[0];

    public string ReferenceFor(string? version) => version is null ? Reference : $"{Registry}/{Repository}:{version}";
}

/// <summary>
/// docker build of writers/Dockerfile. The context is the repository root because the Dockerfile copies the root
/// build files (global.json, Directory.*.props) next to writers/; the root .dockerignore narrows it to exactly the
/// files <see cref="ContentHash"/> hashes, so the provider rebuilds exactly when the tag changes.
/// </summary>
/// <param name="ContextDirectory">Absolute path of the build context (the checkout root).</param>
/// <param name="Dockerfile">Absolute path of writers/Dockerfile.</param>
/// <param name="RelativeContext">The context relative to the checkout, for printing ("." ).</param>
/// <param name="RelativeDockerfile">"writers/Dockerfile".</param>
public sealed record ImageBuild(string ContextDirectory, string Dockerfile, string RelativeContext, string RelativeDockerfile, string Tag);
