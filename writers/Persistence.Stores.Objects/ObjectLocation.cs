namespace Persistence.Stores.Objects;

/// <summary>
/// Bucket and key of an s3:// or gs:// URI, taken from the URI as written: object keys are raw
/// (as the AWS and gcloud CLIs print them), and <see cref="Uri"/> would lower-case or re-escape them.
/// </summary>
public sealed record ObjectLocation(string Scheme, string Bucket, string Key)
{
    public static ObjectLocation Parse(Uri uri)
    {
        var text = uri.OriginalString;
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
            throw new ArgumentException($"'{text}' is not a bucket URI; expected scheme://bucket/key", nameof(uri));
        var rest = text[(schemeEnd + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
            throw new FileNotFoundException($"'{text}' names no object: expected {text[..schemeEnd]}://bucket/key");
        return new ObjectLocation(text[..schemeEnd], rest[..slash], rest[(slash + 1)..]);
    }

    public override string ToString() => $"{Scheme}://{Bucket}/{Key}";
}
