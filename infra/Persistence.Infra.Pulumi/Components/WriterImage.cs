using Pulumi;
using Pulumi.DockerBuild;
using Pulumi.DockerBuild.Inputs;

namespace Persistence.PulumiHost.Components;

/// <summary>Registry login for the push; the password stays an Output so Pulumi keeps it secret.</summary>
public sealed record RegistryLogin(Input<string> Address, Input<string> Username, Input<string> Password);

/// <summary>
/// Builds writers/ with its Dockerfile and pushes it under the content-hash tag the desired state chose, so a code
/// change shows in the preview as a new image on every Deployment.
/// </summary>
public sealed class WriterImage : ComponentResource
{
    /// <summary>The pushed reference with its digest (unknown during preview, since previews do not build).</summary>
    public Output<string> Ref { get; }

    public WriterImage(string name, string contextDirectory, string dockerfile, string imageRef, RegistryLogin login,
        ComponentResourceOptions? options = null)
        : base("persistence:stack:WriterImage", name, options)
    {
        var image = new Image(name, new ImageArgs
        {
            Context = new BuildContextArgs { Location = contextDirectory },
            Dockerfile = new DockerfileArgs { Location = dockerfile },
            Tags = { imageRef },
            Platforms = { Platform.Linux_amd64 },
            Push = true,
            // Pull-request previews run without a Docker daemon or registry login; the tag is a content hash, so
            // the preview still shows the new image on each Deployment.
            BuildOnPreview = false,
            Registries =
            {
                new RegistryArgs { Address = login.Address, Username = login.Username, Password = login.Password },
            },
        }, new CustomResourceOptions { Parent = this });

        Ref = image.Ref;
        RegisterOutputs(new Dictionary<string, object?> { ["ref"] = Ref });
    }
}
