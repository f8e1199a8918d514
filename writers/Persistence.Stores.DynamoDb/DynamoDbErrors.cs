using System.Net;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace Persistence.Stores.DynamoDb;

/// <summary>What a failed conditional write means for the value it carried.</summary>
public enum DynamoDbErrorClass
{
    /// <summary>The table holds the same or a newer observation: nothing to write, not an error.</summary>
    Skipped,

    /// <summary>Retry the batch with backoff (throttling, 5xx, network, credentials, a table not there yet).</summary>
    Transient,

    /// <summary>This value can never be written as it is (the item is invalid): dead-letter its message.</summary>
    Permanent,
}

/// <summary>
/// The one table that turns a DynamoDB error into skip / retry / dead-letter (docs/dynamodb-online-store.md shows it).
/// Error codes are the ones DynamoDB's API reference lists under "Errors" and "Common Errors"
/// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html, CommonErrors.html).
/// </summary>
public static class DynamoDbErrors
{
    public static readonly IReadOnlySet<string> Throttling = new HashSet<string>(StringComparer.Ordinal)
    {
        "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException",
    };

    /// <summary>
    /// Refusals of the item itself: retrying the same bytes gets the same answer. ValidationException covers an item
    /// over 400 KB, an empty key and a key attribute of the wrong type.
    /// </summary>
    public static readonly IReadOnlySet<string> ItemRejected = new HashSet<string>(StringComparer.Ordinal)
    {
        "ValidationException", "SerializationException", "ItemCollectionSizeLimitExceededException",
    };

    public static DynamoDbErrorClass Classify(Exception e) => e switch
    {
        AmazonServiceException { ErrorCode: "ConditionalCheckFailedException" } => DynamoDbErrorClass.Skipped,
        AmazonServiceException s when s.ErrorCode is { } code && ItemRejected.Contains(code) => DynamoDbErrorClass.Permanent,
        // Everything else, including codes this table does not know, is retried: a deployment-wide problem (throttling,
        // an outage, a missing IAM grant, expired credentials, a table not created yet) must not dead-letter the whole
        // stream; the lag grows and /metrics shows the retries until it is fixed, and nothing is lost.
        _ => DynamoDbErrorClass.Transient,
    };

    /// <summary>What to tell an operator about a transient error: which setting or grant to check.</summary>
    public static string Hint(Exception e, string table) => e switch
    {
        AmazonServiceException s when s.ErrorCode is { } code && Throttling.Contains(code) =>
            "throttled: the table is on-demand in the stack; check the account's table-level limits",
        AmazonServiceException { ErrorCode: "ResourceNotFoundException" } =>
            $"table {table} does not exist (yet): check Stores:DynamoDb:Table and the region, or that the stack created it",
        AmazonServiceException { ErrorCode: "AccessDeniedException" } =>
            $"the writer's IAM role (IRSA) needs dynamodb:PutItem on table {table}",
        AmazonServiceException { ErrorCode: "UnrecognizedClientException" or "MissingAuthenticationTokenException" or "ExpiredTokenException" or "InvalidSignatureException" } =>
            "credentials refused: check the ServiceAccount's IRSA annotation (eks.amazonaws.com/role-arn)",
        AmazonServiceException s when (int)s.StatusCode >= 500 => "DynamoDB answered with a server error",
        AmazonServiceException { StatusCode: HttpStatusCode.BadRequest } => "DynamoDB refused the request",
        _ => "DynamoDB unreachable or timed out",
    };

    /// <summary>"ThrottlingException: message", or the exception type for errors that are not DynamoDB's answers.</summary>
    public static string Describe(Exception e) => e switch
    {
        AmazonServiceException s when !string.IsNullOrEmpty(s.ErrorCode) => $"{s.ErrorCode}: {s.Message}",
        _ => $"{e.GetType().Name}: {e.InnerException?.Message ?? e.Message}",
    };
}

/// <summary>Some writes of a batch failed for a reason that may pass; the writer loop retries the batch with backoff.</summary>
public sealed class DynamoDbUnavailableException(string message, Exception inner) : Exception(message, inner);
