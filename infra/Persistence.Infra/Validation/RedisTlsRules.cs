using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>The Redis server CA: only with TLS, from exactly one source, a Memorystore instance only on GCP, a PEM that parses.</summary>
internal static partial class RedisTlsRules
{
    private const string Path = $"{Paths.Stores}.redis.serverCa";

    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        if (c.Stores.Redis is not { } redis) yield break;
        if (redis.ServerCa is not { } ca)
        {
            // Memorystore signs its server certificate with a per-instance CA no image trusts: TLS would be refused.
            if (redis.Tls && c.Cloud == CloudProvider.Gcp)
                yield return Warning(Path, "stores.redis.tls is on and no server CA is given: Memorystore's server certificate is signed by the instance's own CA, which the writers do not trust, so every connection would be refused",
                    $"pulumi config set --path '{Path}.memorystoreInstance' projects/<project>/locations/<region>/instances/<name>");
            yield break;
        }

        if (!redis.Tls)
            yield return Error(Path, "a server CA is set but stores.redis.tls is off: the CA is used only for TLS",
                $"pulumi config set --path '{Paths.Stores}.redis.tls' true, or remove {Path}");
        var hasInstance = !string.IsNullOrWhiteSpace(ca.MemorystoreInstance);
        var hasPem = !string.IsNullOrWhiteSpace(ca.Pem);
        if (hasInstance == hasPem)
        {
            yield return Error(Path, hasInstance ? "both memorystoreInstance and pem are set" : "neither memorystoreInstance nor pem is set",
                $"set exactly one: {Path}.memorystoreInstance (GCP Memorystore) or {Path}.pem (the CA certificate in PEM)");
            yield break;
        }
        if (hasInstance)
        {
            if (c.Cloud != CloudProvider.Gcp)
                yield return Error($"{Path}.memorystoreInstance", "Memorystore is a GCP service; this stack is on aws",
                    $"give the CA as {Path}.pem instead (ElastiCache certificates are publicly trusted and need none)");
            else if (!MemorystoreInstanceId().IsMatch(ca.MemorystoreInstance!))
                yield return Error($"{Path}.memorystoreInstance", $"\"{ca.MemorystoreInstance}\" is not a Memorystore instance id",
                    "write it as projects/<project>/locations/<region>/instances/<name> (gcloud redis instances describe <name> --region <region> --format 'value(name)')");
        }
        else if (PemProblem(ca.Pem!) is { } problem)
        {
            yield return Error($"{Path}.pem", problem, $"set the CA certificate itself: pulumi config set --path '{Path}.pem' \"$(cat server-ca.pem)\"");
        }
    }

    /// <summary>Why a PEM text is not one or more certificates, or null when it is.</summary>
    public static string? PemProblem(string pem)
    {
        if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
            return "it contains a private key; only the CA's certificate belongs here (and never a key in plain config)";
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            return $"it is not a PEM certificate ({e.Message})";
        }
        return certificates.Count == 0 ? "it holds no -----BEGIN CERTIFICATE----- block" : null;
    }

    [GeneratedRegex("^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/locations/[a-z]+-[a-z]+[0-9]+/instances/[a-z]([a-z0-9-]{0,38}[a-z0-9])?$")]
    private static partial Regex MemorystoreInstanceId();
}
