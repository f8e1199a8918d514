using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Persistence.Stores.Redis;

/// <summary>
/// Trust for Redis TLS from a CA file (Memorystore signs its server certificate with the instance's own CA, which no
/// system store holds). Every certificate in the PEM file is a trust anchor (two during a Memorystore CA rotation); the
/// host name is still checked, and only for Redis: the process-wide trust store is not touched.
/// </summary>
public static class RedisServerCa
{
    /// <summary>The certificates of a PEM file, or why it cannot be used.</summary>
    public static (X509Certificate2Collection? Certificates, string? Problem) Load(string path)
    {
        if (!File.Exists(path)) return (null, $"names {path}, which does not exist");
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return (null, $"names {path}, which cannot be read as PEM certificates ({e.Message})");
        }
        return certificates.Count == 0 ? (null, $"names {path}, which holds no -----BEGIN CERTIFICATE----- block") : (certificates, null);
    }

    /// <summary>A validation callback that accepts a server certificate chaining to one of <paramref name="authorities"/>.</summary>
    public static RemoteCertificateValidationCallback Validator(X509Certificate2Collection authorities) => (_, certificate, _, errors) =>
    {
        if (errors == SslPolicyErrors.None) return true;
        // A wrong host name or a missing certificate is refused whatever the CA.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        // Private CAs publish no revocation lists the pod could reach.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(server);
    };
}
