namespace Persistence.Infra.Config;

/// <summary>The writers' Kubernetes ServiceAccount and the cloud identity it maps to.</summary>
public sealed record ServiceAccountConfig
{
    public string Name { get; init; } = "background-persistence-sa";

    /// <summary>IRSA: required when cloud is aws.</summary>
    public AwsIdentityConfig? Aws { get; init; }

    /// <summary>Workload Identity: required when cloud is gcp.</summary>
    public GcpIdentityConfig? Gcp { get; init; }
}

/// <summary>IAM role for service accounts: the role trusts the cluster's OIDC provider for this one ServiceAccount.</summary>
public sealed record AwsIdentityConfig
{
    /// <summary>arn:aws:iam::&lt;account&gt;:oidc-provider/oidc.eks.&lt;region&gt;.amazonaws.com/id/&lt;id&gt;</summary>
    public required string EksOidcProviderArn { get; init; }

    /// <summary>The issuer host and path without https://, e.g. oidc.eks.us-east-1.amazonaws.com/id/ABC.</summary>
    public required string EksOidcIssuer { get; init; }

    /// <summary>Name of the IAM role to create; defaults to "&lt;namespace&gt;-writers".</summary>
    public string? RoleName { get; init; }
}

/// <summary>GKE Workload Identity: the Kubernetes ServiceAccount impersonates this Google service account.</summary>
public sealed record GcpIdentityConfig
{
    /// <summary>The account id (the part before @), 6-30 characters.</summary>
    public required string ServiceAccountId { get; init; }

    public required string ProjectId { get; init; }
}
