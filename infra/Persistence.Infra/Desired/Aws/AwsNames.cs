using Persistence.Infra.Config;

namespace Persistence.Infra.Desired.Aws;

/// <summary>Account, region and ARNs derived from the typed config, so render needs no AWS credentials.</summary>
public static class AwsNames
{
    private static AwsIdentityConfig Identity(StackConfig c) =>
        c.ServiceAccount.Aws ?? throw new InvalidOperationException("persistence:serviceAccount.aws is required on AWS (validate reports it)");

    /// <summary>From arn:aws:iam::&lt;account&gt;:oidc-provider/...</summary>
    public static string AccountId(StackConfig c)
    {
        var parts = Identity(c).EksOidcProviderArn.Split(':');
        return parts.Length > 4 && parts[4].Length > 0
            ? parts[4]
            : throw new InvalidOperationException($"persistence:serviceAccount.aws.eksOidcProviderArn '{Identity(c).EksOidcProviderArn}' has no account id; expected arn:aws:iam::<account>:oidc-provider/<issuer>");
    }

    /// <summary>From oidc.eks.&lt;region&gt;.amazonaws.com/id/...</summary>
    public static string Region(StackConfig c)
    {
        var host = Issuer(c).Split('/')[0].Split('.');
        return host is ["oidc", "eks", var region, ..] ? region
            : throw new InvalidOperationException($"persistence:serviceAccount.aws.eksOidcIssuer '{Issuer(c)}' is not oidc.eks.<region>.amazonaws.com/id/<id>");
    }

    /// <summary>The issuer without a scheme, as IAM condition keys spell it.</summary>
    public static string Issuer(StackConfig c) => Identity(c).EksOidcIssuer.Replace("https://", "", StringComparison.Ordinal).TrimEnd('/');

    public static string RoleName(StackConfig c) => Identity(c).RoleName ?? $"{c.Namespace}-writers";

    public static string RoleArn(StackConfig c) => $"arn:aws:iam::{AccountId(c)}:role/{RoleName(c)}";

    /// <summary>Secrets Manager appends "-" and 6 random characters to the name in the ARN.</summary>
    public static string SecretArnPattern(StackConfig c, string name) =>
        $"arn:aws:secretsmanager:{Region(c)}:{AccountId(c)}:secret:{name}-??????";

    public static bool IsEcr(string registry) =>
        registry.Split('/')[0] is var host && host.Contains(".dkr.ecr.", StringComparison.Ordinal) && host.EndsWith(".amazonaws.com", StringComparison.Ordinal);
}
