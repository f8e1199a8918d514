namespace Persistence.Writer.Hosting;

/// <summary>Settings that cannot work; each problem names the key and the fix. Exit code 3, before anything connects.</summary>
public sealed class ConfigurationProblemException(IReadOnlyList<string> problems)
    : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems => problems;
}
