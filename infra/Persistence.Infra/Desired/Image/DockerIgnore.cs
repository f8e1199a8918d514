using System.Text;
using System.Text.RegularExpressions;

namespace Persistence.Infra.Desired.Image;

/// <summary>
/// The file set of a docker build context as the docker-build provider hashes it: every regular file under the
/// context, less what the ignore file excludes. Which ignore file, and how it matches, follow pulumi-docker-build's
/// <c>hashBuildContext</c> (provider/internal/context.go at tag v0.0.14, the pin; image.go's Diff updates the image when that hash changes): the
/// Dockerfile-specific <c>&lt;Dockerfile&gt;.dockerignore</c> wins over <c>&lt;context&gt;/.dockerignore</c>, and the
/// patterns go to fsutil's filter (moby/patternmatcher): later patterns override earlier ones, <c>!</c> re-includes,
/// and a pattern that matches a parent directory matches everything below it.
/// </summary>
public static class DockerIgnore
{
    /// <summary>Relative paths ('/'-separated, ordinal order) of the files the context holds.</summary>
    public static IReadOnlyList<string> ContextFiles(string contextRoot, string dockerfile)
    {
        var patterns = Patterns(contextRoot, dockerfile);
        var files = new List<string>();
        Walk(contextRoot, "", patterns, files);
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>The patterns in force: the Dockerfile's own ignore file if present, else the context's.</summary>
    public static IReadOnlyList<Pattern> Patterns(string contextRoot, string dockerfile)
    {
        foreach (var candidate in new[] { dockerfile + ".dockerignore", Path.Combine(contextRoot, ".dockerignore") })
            if (File.Exists(candidate)) return Parse(File.ReadAllLines(candidate));
        return [];
    }

    public static IReadOnlyList<Pattern> Parse(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(Pattern.From).OfType<Pattern>()];

    /// <summary>True when the last pattern matching the path (or one of its parent directories) is not a negation.</summary>
    public static bool IsExcluded(string relativePath, IReadOnlyList<Pattern> patterns)
    {
        var excluded = false;
        foreach (var p in patterns)
            if (p.MatchesOrParentMatches(relativePath)) excluded = !p.Negated;
        return excluded;
    }

    private static void Walk(string directory, string relative, IReadOnlyList<Pattern> patterns, List<string> files)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            var path = Join(relative, Path.GetFileName(file));
            if (!IsExcluded(path, patterns)) files.Add(path);
        }
        foreach (var sub in Directory.EnumerateDirectories(directory))
        {
            var path = Join(relative, Path.GetFileName(sub));
            // An excluded directory can still hold re-included files, unless no negation could reach below it.
            if (IsExcluded(path, patterns) && !patterns.Any(p => p.Negated && p.CouldMatchBelow(path))) continue;
            Walk(sub, path, patterns, files);
        }
    }

    private static string Join(string relative, string name) => relative.Length == 0 ? name : $"{relative}/{name}";

    /// <summary>One ignore-file line: <c>*</c> and <c>?</c> within a path segment, <c>**</c> across segments.</summary>
    public sealed record Pattern(string Text, bool Negated, Regex Regex)
    {
        public static Pattern? From(string line)
        {
            var negated = line.StartsWith('!');
            var text = (negated ? line[1..] : line).Trim().Replace('\\', '/');
            // Like filepath.Clean: no leading "/" or "./", no trailing "/".
            while (text.StartsWith("./", StringComparison.Ordinal)) text = text[2..];
            text = text.Trim('/');
            return text.Length == 0 ? null : new Pattern(text, negated, new Regex(ToRegex(text), RegexOptions.CultureInvariant));
        }

        public bool MatchesOrParentMatches(string path)
        {
            if (Regex.IsMatch(path)) return true;
            for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
                if (Regex.IsMatch(path[..slash])) return true;
            return false;
        }

        /// <summary>Whether this pattern could match a path below the directory (segment by segment; "**" may).</summary>
        public bool CouldMatchBelow(string directory)
        {
            var segments = Text.Split('/');
            var dirs = directory.Split('/');
            for (var i = 0; i < dirs.Length; i++)
            {
                if (i >= segments.Length) return false;
                if (segments[i].Contains("**", StringComparison.Ordinal)) return true;
                if (!new Regex(ToRegex(segments[i]), RegexOptions.CultureInvariant).IsMatch(dirs[i])) return false;
            }
            return segments.Length > dirs.Length;
        }

        private static string ToRegex(string pattern)
        {
            var sb = new StringBuilder("^");
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
                {
                    i++;
                    // "**/" matches zero or more directories; a trailing "**" matches everything.
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/') { i++; sb.Append("(.*/)?"); }
                    else sb.Append(".*");
                }
                else if (c == '*') sb.Append("[^/]*");
                else if (c == '?') sb.Append("[^/]");
                else sb.Append(Regex.Escape(c.ToString()));
            }
            return sb.Append('$').ToString();
        }
    }
}
