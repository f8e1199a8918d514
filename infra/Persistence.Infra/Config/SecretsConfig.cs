namespace Persistence.Infra.Config;

/// <summary>
/// The cloud secret the writers read their store credentials from. Secret values themselves are Pulumi secret
/// config (<see cref="StackConfigKeys.Secrets"/>), never typed config.
/// </summary>
public sealed record SecretsConfig
{
    /// <summary>AWS (Secrets Manager) or GCP (Secret Manager); must match the cloud.</summary>
    public required SecretClient Client { get; init; }

    /// <summary>Name of the cloud secret holding store credentials; defaults to "&lt;namespace&gt;-credentials".</summary>
    public string? Name { get; init; }

    /// <summary>AWS only: customer-managed KMS key (id, ARN or alias) encrypting the secrets; MSK SCRAM requires one.</summary>
    public string? KmsKeyId { get; init; }

    /// <summary>GCP only: project of the Secret Manager secret; defaults to the service account's project.</summary>
    public string? ProjectId { get; init; }
}
