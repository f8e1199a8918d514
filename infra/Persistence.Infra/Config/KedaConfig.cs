namespace Persistence.Infra.Config;

/// <summary>
/// The identity KEDA's operator runs as, which on GCP must be granted Cloud Monitoring read access (the prometheus
/// trigger authenticates with podIdentity gcp, i.e. as the operator's pod). Defaults match the KEDA Helm chart with
/// Workload Identity Federation for GKE (no annotation): namespace keda, ServiceAccount keda-operator. A KEDA installed
/// with the iam.gke.io/gcp-service-account annotation acts as that Google service account instead: name it in
/// <see cref="GoogleServiceAccount"/>. Ignored on AWS (the kafka trigger authenticates with the SASL secret).
/// </summary>
public sealed record KedaConfig
{
    /// <summary>Namespace of KEDA's operator.</summary>
    public string Namespace { get; init; } = "keda";

    /// <summary>Kubernetes ServiceAccount of KEDA's operator.</summary>
    public string ServiceAccount { get; init; } = "keda-operator";

    /// <summary>Google service account email KEDA's ServiceAccount is annotated with; when set, it gets the grant.</summary>
    public string? GoogleServiceAccount { get; init; }
}
