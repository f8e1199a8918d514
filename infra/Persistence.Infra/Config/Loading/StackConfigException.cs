using Persistence.Infra.Validation;

namespace Persistence.Infra.Config.Loading;

/// <summary>Stack config that cannot be read into <see cref="StackConfig"/>; the message lists every problem.</summary>
public sealed class StackConfigException(IReadOnlyList<ConfigProblem> problems)
    : Exception("Invalid stack config:" + Environment.NewLine + string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}
