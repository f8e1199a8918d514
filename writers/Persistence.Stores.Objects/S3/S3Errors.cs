using Amazon.Runtime;
using Persistence.Contracts;

namespace Persistence.Stores.Objects.S3;

/// <summary>
/// The S3 store's error table (docs/bus-contracts.md, "Error classification"): a missing object or bucket and access
/// denied are decided in <see cref="S3ObjectStore"/> (dead-lettered); every other SDK error — 5xx, SlowDown, 429, 408,
/// expired or unresolvable credentials, the network — is transient, as before the loop bounded unknown errors.
/// </summary>
public static class S3Errors
{
    public static TransientWriteException Transient(Exception e, ObjectLocation location) => e switch
    {
        AmazonServiceException s => new TransientWriteException(
            $"S3 answered {(int)s.StatusCode} {s.ErrorCode} reading {location} (transient, retrying): {s.Message}", e,
            "s3_" + (string.IsNullOrEmpty(s.ErrorCode) ? ((int)s.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : s.ErrorCode)),
        _ => new TransientWriteException($"S3 client failed reading {location} (transient, retrying): {e.Message}", e, "s3_client"),
    };
}
