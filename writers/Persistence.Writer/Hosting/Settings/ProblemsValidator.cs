using Microsoft.Extensions.Options;

namespace Persistence.Writer.Hosting.Settings;

/// <summary>
/// <see cref="IValidateOptions{TOptions}"/> over a settings type's own list of problems, so ValidateOnStart
/// reports every problem of a section at once, each naming its key.
/// </summary>
internal sealed class ProblemsValidator<T>(Func<T, IEnumerable<string>> problems) : IValidateOptions<T> where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var found = problems(options).ToList();
        return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
    }
}
