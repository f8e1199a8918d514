// The Pulumi host: read and validate `persistence:` config, build the Pulumi-free desired state, map it to
// resources. Every decision (names, policies, manifests, the image tag) is made in Persistence.Infra, where it is
// tested and rendered without Pulumi; this program only hands it to the providers.
using Persistence.Infra.Config;
using Persistence.Infra.Desired;
using Persistence.PulumiHost.Components;
using Persistence.PulumiHost.Hosting;
using Pulumi;

return await Deployment.RunAsync(() =>
{
    var config = new Config(StackConfigKeys.Namespace);
    var stack = ValidatedConfig.Load(config);
    var root = RepositoryRoot.Find();
    var desired = DesiredStateBuilder.Build(stack, root);

    var secrets = new StackSecrets(config);
    var cloudSecret = StackSecrets.AsJson(secrets.Require(desired.CloudSecretFields.Select(f => (f.Field, f.ConfigKey))));

    var outputs = new Dictionary<string, object?>
    {
        ["namespace"] = desired.Namespace,
        ["imageRef"] = desired.Image.Reference,
        ["deployments"] = desired.DeploymentNames,
        ["topics"] = desired.TopicNames,
        ["subscriptions"] = desired.SubscriptionNames,
    };

    var readyBeforeWriters = new List<Resource>();
    RegistryLogin login;
    if (desired.Aws is { } aws)
    {
        var cloud = new AwsCloud("aws", aws, cloudSecret);
        readyBeforeWriters.AddRange(cloud.ReadyBeforeWriters);
        login = cloud.RegistryLogin;
        outputs["roleArn"] = cloud.RoleArn;
        outputs["secretArn"] = cloud.SecretArn;
    }
    else if (desired.Gcp is { } gcp)
    {
        var cloud = new GcpCloud("gcp", gcp, cloudSecret);
        readyBeforeWriters.AddRange(cloud.ReadyBeforeWriters);
        login = cloud.RegistryLogin;
        outputs["serviceAccountEmail"] = cloud.ServiceAccountEmail;
    }
    else
    {
        throw new InvalidOperationException("the desired state names neither AWS nor GCP resources");
    }

    if (desired.Image.Build is { } build)
    {
        var image = new WriterImage("writer-image", build.ContextDirectory, build.Dockerfile, desired.Image.Reference, login);
        readyBeforeWriters.Add(image);
        outputs["imagePushedRef"] = image.Ref;
    }

    var kubernetesSecret = desired.KubernetesSecret is { } ks
        ? new KubernetesSecretValues(ks.Name, desired.Namespace,
            secrets.Require(ks.Fields.Select(f => (f.Field, f.ConfigKey))))
        : null;
    _ = new KubernetesObjects("k8s", desired.Kubernetes.NamespaceYaml, desired.Kubernetes.WorkloadYaml,
        kubernetesSecret, readyBeforeWriters);

    return outputs;
});
