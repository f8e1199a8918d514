using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>
/// KEDA's identity on GCP: the member granted roles/monitoring.viewer must be the one KEDA's operator really runs as,
/// or every prometheus trigger gets 403 and a writer scaled to zero never wakes.
/// </summary>
internal static class KedaRules
{
    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        var keda = c.Keda;
        var defaults = new KedaConfig();
        if (c.Cloud == CloudProvider.Aws)
        {
            if (keda != defaults)
                yield return Warning(Paths.Keda, "ignored on aws: KEDA's kafka trigger authenticates with the SASL credentials, not with KEDA's own identity",
                    $"remove it: pulumi config rm {Paths.Keda}");
            yield break;
        }

        if (!Names.IsDnsLabel(keda.Namespace))
            yield return Error($"{Paths.Keda}.namespace", $"\"{keda.Namespace}\" is not a Kubernetes namespace",
                "the namespace KEDA is installed in: kubectl get deploy -A -l app=keda-operator");
        if (!Names.IsDnsSubdomain(keda.ServiceAccount))
            yield return Error($"{Paths.Keda}.serviceAccount", $"\"{keda.ServiceAccount}\" is not a Kubernetes ServiceAccount name",
                $"kubectl get deploy keda-operator -n {keda.Namespace} -o jsonpath='{{.spec.template.spec.serviceAccountName}}'");
        if (keda.GoogleServiceAccount is { } email)
        {
            if (!Names.IsGoogleServiceAccountEmail(email))
                yield return Error($"{Paths.Keda}.googleServiceAccount", $"\"{email}\" is not a Google service account email (<id>@<project>.iam.gserviceaccount.com)",
                    $"copy the iam.gke.io/gcp-service-account annotation: kubectl get sa {keda.ServiceAccount} -n {keda.Namespace} -o jsonpath='{{.metadata.annotations}}'");
            else if (keda.Namespace != defaults.Namespace || keda.ServiceAccount != defaults.ServiceAccount)
                yield return Warning($"{Paths.Keda}.googleServiceAccount",
                    $"the grant goes to {email}; {Paths.Keda}.namespace and .serviceAccount are not used when KEDA acts as a Google service account",
                    $"remove them, or remove {Paths.Keda}.googleServiceAccount if KEDA's ServiceAccount has no iam.gke.io/gcp-service-account annotation");
        }
    }
}
