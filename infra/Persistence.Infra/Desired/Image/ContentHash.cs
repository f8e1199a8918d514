using System.Security.Cryptography;
using System.Text;

namespace Persistence.Infra.Desired.Image;

/// <summary>
/// The image tag "sha-" + 12 hex of SHA-256 over what the image is built from: every file under writers/ (sorted
/// relative paths, permission bits and contents, without bin/, obj/ and .local-run/, as .dockerignore does) plus the
/// root build files the Dockerfile copies. Any code change gives every Deployment a new image, so it shows in the preview.
/// </summary>
public static class ContentHash
{
    public const string Prefix = "sha-";
    public static readonly IReadOnlyList<string> RootBuildFiles = ["global.json", "Directory.Build.props", "Directory.Packages.props"];
    private static readonly HashSet<string> IgnoredDirectories = new(StringComparer.Ordinal) { "bin", "obj", ".local-run" };

    public static string Tag(string repositoryRoot) => Prefix + Compute(repositoryRoot)[..12];

    /// <summary>Full lower-case hex digest.</summary>
    public static string Compute(string repositoryRoot)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var relative in HashedFiles(repositoryRoot))
        {
            // Path, mode, length, content: a rename, a chmod or a byte moved between files changes the hash. The mode
            // is there because the docker-build provider hashes it too: a chmod (or another checkout's umask) that
            // changed its context hash but not the tag would rebuild and re-push an existing, immutable tag.
            var full = Path.Combine(repositoryRoot, relative);
            var content = File.ReadAllBytes(full);
            var mode = OperatingSystem.IsWindows() ? "" : Convert.ToString((int)File.GetUnixFileMode(full), 8);
            sha.AppendData(Encoding.UTF8.GetBytes($"{relative}\0{mode}\0{content.Length}\0"));
            sha.AppendData(content);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// The relative paths ('/'-separated, ordinal order) the tag hashes. The root .dockerignore admits exactly these
    /// into the build context (<see cref="DockerIgnore"/>), so the docker-build provider rebuilds exactly when the tag changes.
    /// </summary>
    public static IReadOnlyList<string> HashedFiles(string repositoryRoot)
    {
        var writers = Path.Combine(repositoryRoot, "writers");
        if (!Directory.Exists(writers))
            throw new DirectoryNotFoundException($"{writers} does not exist; run from the repository checkout (the image is built from writers/)");

        return [.. Files(writers, "writers").Select(f => f.Relative)
            .Concat(RootBuildFiles.Where(f => File.Exists(Path.Combine(repositoryRoot, f))))
            .OrderBy(f => f, StringComparer.Ordinal)];
    }

    private static IEnumerable<(string Relative, string Full)> Files(string directory, string relative)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
            yield return ($"{relative}/{Path.GetFileName(file)}", file);
        foreach (var sub in Directory.EnumerateDirectories(directory))
        {
            var name = Path.GetFileName(sub);
            if (IgnoredDirectories.Contains(name)) continue;
            foreach (var f in Files(sub, $"{relative}/{name}")) yield return f;
        }
    }
}
