using System.Text.Json;
using Persistence.Infra.Config;
using Persistence.Infra.Desired;
using Pulumi;
using Aws = Pulumi.Aws;

namespace Persistence.PulumiHost.Hosting;

/// <summary>
/// Fills the desired state's <see cref="SecretField"/>s from Pulumi secret config, or from an existing Secrets Manager
/// secret. Values stay inside secret Outputs: encrypted in state, masked in previews and logs, never turned into plain
/// strings by this program. Read with <c>GetSecret</c>, not <c>RequireSecret</c>, so a preview agrees with
/// `persistence-infra validate`: a missing secret is a warning there and a masked placeholder here, and `pulumi up`
/// is stopped earlier by <see cref="ValidatedConfig"/> naming the key and the `pulumi config set --secret` command.
/// </summary>
public sealed class StackSecrets(Config config)
{
    /// <summary>The stack's explicit AWS provider (set by AwsCloud), for reading existing secrets in its account and region.</summary>
    public ProviderResource? AwsProvider { get; set; }

    public Output<string> Value(SecretField field)
    {
        if (field.Existing is { } existing) return Existing(existing);
        if (config.GetSecret(field.ConfigKey) is { } value) return value;
        if (Deployment.Instance.IsDryRun)
            return Output.CreateSecret($"<{StackConfigKeys.Qualified(field.ConfigKey)} is not set; pulumi up needs it>");
        // Unreachable after ValidatedConfig (it stops `up` on every missing key); kept so a gap fails loudly.
        throw new RunException($"persistence:{field.ConfigKey} is not set; pulumi config set --secret persistence:{field.ConfigKey} <value> -s {Deployment.Instance.StackName}");
    }

    /// <summary>The JSON object {field: value, ...} a cloud secret or a mounted file holds, still secret.</summary>
    public Output<string> Json(IEnumerable<SecretField> fields) =>
        Output.CreateSecret(Output.All(fields.Select(f => Value(f).Apply(v => KeyValuePair.Create(f.Field, v))))
            .Apply(pairs => JsonSerializer.Serialize(pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal))));

    /// <summary>One key of an existing secret's JSON value (MSK's SASL secrets hold {"username","password"}).</summary>
    private Output<string> Existing(ExistingSecretValue existing)
    {
        var version = Aws.SecretsManager.GetSecretVersion.Invoke(
            new Aws.SecretsManager.GetSecretVersionInvokeArgs { SecretId = existing.SecretName },
            new InvokeOptions { Provider = AwsProvider });
        return Output.CreateSecret(version.Apply(v => Key(existing, v.SecretString)));
    }

    private static string Key(ExistingSecretValue existing, string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(existing.JsonKey, out var value) && value.ValueKind == JsonValueKind.String)
                return value.GetString()!;
        }
        catch (JsonException)
        {
            // Reported below without the value.
        }
        throw new RunException($"the existing secret {existing.SecretName} (persistence:bus.kafka.saslSecret) holds no JSON string \"{existing.JsonKey}\"; "
            + "MSK SCRAM secrets are {\"username\": ..., \"password\": ...}: fix the secret, or set persistence:bus.kafka.useExistingSaslSecret false to let the stack create it");
    }
}
