using Persistence.Infra.Config;
using Persistence.Infra.Desired.Aws;
using Persistence.Infra.Desired.Gcp;
using Persistence.Infra.Desired.Image;
using Persistence.Infra.Desired.Keda;
using Persistence.Infra.Desired.Kubernetes;

namespace Persistence.Infra.Desired;

/// <summary>Builds the complete desired state of a validated stack config. Pure: the same config and checkout give the same state.</summary>
public static class DesiredStateBuilder
{
    public static DesiredState Build(StackConfig config, DesiredContext context)
    {
        var credentials = new Credentials(config);
        var image = WriterImageFor(config, context.RepositoryRoot, context.ContentTag);
        var aws = config.Cloud == CloudProvider.Aws ? AwsResources.Build(config, credentials) : null;
        var gcp = config.Cloud == CloudProvider.Gcp ? GcpResources.Build(config, credentials) : null;

        var authentications = config.Writers.Select(w => KedaScaling.TriggerAuthentication(w, config, credentials)).ToList();
        var scaled = config.Writers.Select((w, i) => KedaScaling.ScaledObject(w, config, authentications[i] is not null)).ToList();

        var kubernetes = new DesiredKubernetes(
            ClusterObjects.Namespace(config),
            ClusterObjects.ServiceAccount(config, gcp?.ServiceAccount),
            ClusterObjects.CredentialsSecret(config, credentials),
            aws is null ? null : ClusterObjects.KafkaTopicsJob(config, aws.KafkaTopics, image, credentials),
            [.. config.Writers.Select(w => WriterDeployments.Build(w, config, image, credentials))],
            [.. authentications.OfType<KedaTriggerAuthentication>()],
            [.. scaled.OfType<KedaScaledObject>()])
        {
            RedisServerCa = RedisServerCaMap.For(config),
        };

        var outputs = new StackOutputs(
            config.Namespace,
            image.Reference,
            [.. config.Writers.Select(w => w.Name)],
            aws is not null ? [.. aws.KafkaTopics.Select(t => t.Name)] : [.. gcp!.Topics.Select(t => t.Name)],
            gcp is not null ? [.. gcp.Subscriptions.Select(s => s.Name)] : []);

        return new DesiredState(context.StackName, config.Namespace, image, kubernetes, aws, gcp, outputs);
    }

    /// <summary>images.tag pins every writer to an existing image (nothing to build); otherwise the content hash of writers/.</summary>
    public static WriterImage WriterImageFor(StackConfig config, string repositoryRoot, string? contentTag = null)
    {
        var images = config.Images;
        var registry = images.Registry.TrimEnd('/');
        if (images.Tag is { } pinned)
            return new WriterImage(registry, images.Repository, pinned, $"{registry}/{images.Repository}:{pinned}", null);

        var root = Path.GetFullPath(repositoryRoot);
        var tag = contentTag ?? ContentHash.Tag(root);
        var build = new ImageBuild(root, Path.Combine(root, "writers", "Dockerfile"), ".", "writers/Dockerfile", tag);
        return new WriterImage(registry, images.Repository, tag, $"{registry}/{images.Repository}:{tag}", build);
    }
}
