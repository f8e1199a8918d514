using Persistence.Infra.Desired.Image;
using Pulumi;
using Pulumi.DockerBuild;
using Pulumi.DockerBuild.Inputs;

namespace Persistence.PulumiHost.Components;

/// <summary>
/// <see cref="WriterImage"/> with its <see cref="ImageBuild"/>: writers/Dockerfile
/// built in the checkout and pushed under the content-hash reference the Deployments run.
/// </summary>
public sealed class WriterImageBuild : ComponentResource
{
    /// <summary>The pushed reference with its digest (unknown during preview, since previews do not build).</summary>
    public Output<string> Ref { get; }

    /// <param name="login">Null: the registry is not one the cloud side logs into (not ECR, say); buildx then uses
    /// the deployer's own Docker credentials.</param>
    public WriterImageBuild(string name, WriterImage desired, ImageBuild build, RegistryLogin? login,
        ComponentResourceOptions? options = null)
        : base("persistence:stack:WriterImageBuild", name, options)
    {
        var args = new ImageArgs
        {
            Context = new BuildContextArgs { Location = build.ContextDirectory },
            Dockerfile = new DockerfileArgs { Location = build.Dockerfile },
            Tags = { desired.Reference },
            // The clusters' nodes are x86-64; a build on an arm64 laptop would otherwise push an image they cannot run.
            Platforms = { Platform.Linux_amd64 },
            Push = true,
            // Pull-request previews run without a Docker daemon or registry login; the tag is a content hash, so
            // the preview still shows the new image on each Deployment.
            BuildOnPreview = false,
        };
        if (login is not null)
            args.Registries.Add(new RegistryArgs { Address = login.Address, Username = login.Username, Password = login.Password });

        var image = new Image(name, args, new CustomResourceOptions { Parent = this });
        Ref = image.Ref;
        RegisterOutputs(new Dictionary<string, object?> { ["ref"] = Ref });
    }
}
