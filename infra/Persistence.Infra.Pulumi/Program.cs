// The Pulumi host: read and validate `persistence:` config, build the Pulumi-free desired state, map each of its
// records to resources. Every decision (names, policies, manifests, the image tag) is made in Persistence.Infra,
// where it is tested and rendered without Pulumi; this program only hands it to the providers.
using Persistence.Infra.Config;
using Persistence.Infra.Desired;
using Persistence.PulumiHost.Components;
using Persistence.PulumiHost.Hosting;
using Pulumi;

return await Deployment.RunAsync(() =>
{
    var config = new Config(StackConfigKeys.Namespace);
    var stack = ValidatedConfig.Load(config);
    var desired = DesiredStateBuilder.Build(stack, new DesiredContext(Deployment.Instance.StackName, RepositoryRoot.Find()));
    var secrets = new StackSecrets(config);

    var outputs = StackOutputValues.From(desired.Outputs);
    var readyBeforeWriters = new List<Resource>();
    RegistryLogin? login;
    ProviderResource? gcpProvider = null;
    if (desired.Aws is { } aws)
    {
        var cloud = new AwsCloud("aws", aws, secrets);
        readyBeforeWriters.AddRange(cloud.ReadyBeforeWriters);
        login = cloud.RegistryLogin;
        outputs["roleArn"] = cloud.RoleArn;
        outputs["secretArns"] = cloud.SecretArns;
    }
    else if (desired.Gcp is { } gcp)
    {
        var cloud = new GcpCloud("gcp", gcp, secrets);
        readyBeforeWriters.AddRange(cloud.ReadyBeforeWriters);
        login = cloud.RegistryLogin;
        outputs["serviceAccountEmail"] = cloud.ServiceAccountEmail;
        gcpProvider = cloud.Provider;
    }
    else
    {
        throw new RunException("The desired state names neither AWS nor GCP resources; persistence:cloud must be aws or gcp.");
    }

    if (desired.Image.Build is { } build)
    {
        var image = new WriterImageBuild("writer-image", desired.Image, build, login);
        readyBeforeWriters.Add(image);
        outputs["imagePushedRef"] = image.Ref;
    }

    _ = new KubernetesObjects("k8s", desired.Kubernetes, secrets, readyBeforeWriters, gcpProvider);
    return outputs;
});
