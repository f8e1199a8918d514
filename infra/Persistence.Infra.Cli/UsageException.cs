namespace Persistence.Infra.Cli;

/// <summary>A command line that cannot run as given; printed with the verb's help, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
