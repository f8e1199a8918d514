using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>
/// Names the secret config `pulumi up` will need (<see cref="RequiredSecrets"/>). A warning, not an error, for
/// `validate` and `pulumi preview` alike: stack files in git carry no ciphertext until someone runs
/// `pulumi config set --secret`, and a preview never needs the values. `pulumi up` stops on them (the host).
/// </summary>
internal static class SecretRules
{
    public static IEnumerable<ConfigProblem> Check(StackConfig c, string? stack) =>
        RequiredSecrets.Missing(c).Select(s => Warning(s.Path,
            $"secret not set: pulumi preview runs without it (a masked placeholder fills {s.Why}), pulumi up stops until it is set",
            $"{s.SetCommand(stack)} (encrypted into {(stack is null ? "Pulumi.<stack>.yaml" : $"Pulumi.{stack}.yaml")} with the stack's secrets provider; commit it so pull-request previews have it, or import it from a Pulumi ESC environment)"));
}
