namespace Persistence.Infra.Config.Loading;

/// <summary>"did you mean ...?" for misspelt keys.</summary>
internal static class Suggestions
{
    public static string? Closest(string given, IEnumerable<string> known) =>
        known.Select(k => (Key: k, Distance: Distance(given.ToLowerInvariant(), k.ToLowerInvariant())))
            .Where(c => c.Distance <= Math.Max(2, c.Key.Length / 3))
            .OrderBy(c => c.Distance)
            .Select(c => c.Key)
            .FirstOrDefault();

    public static string DidYouMean(string given, IEnumerable<string> known) =>
        Closest(given, known) is { } match ? $"did you mean '{match}'? " : "";

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }
}
