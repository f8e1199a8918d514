using System.Security.Cryptography;
using System.Text;
using Persistence.Infra.Desired.Image;

namespace Persistence.Infra.Tests;

/// <summary>
/// The build context the docker-build provider hashes (and rebuilds on) is exactly what the image tag hashes, so a
/// config-only `pulumi up` never re-pushes an existing sha- tag to the IMMUTABLE ECR repository.
/// </summary>
public sealed class DockerContextTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("docker-context-tests-").FullName;

    public DockerContextTests()
    {
        File.Copy(Path.Combine(TestStacks.RepoRoot, ".dockerignore"), Path.Combine(_root, ".dockerignore"));
        Write("writers/Dockerfile", "FROM scratch\n");
        Write("writers/Persistence.Writer/Program.cs", "return 0;\n");
        Write("writers/Persistence.Writer/bin/Debug/app.dll", "binary");
        Write("writers/Persistence.Writer/obj/project.assets.json", "{}");
        Write("global.json", "{}\n");
        Write("Directory.Build.props", "<Project />\n");
        Write("Directory.Packages.props", "<Project />\n");
        Write("Pulumi.yaml", "name: persistence\n");
        Write("Pulumi.dev.yaml", "config:\n  persistence:cloud: aws\n");
        Write("docs/stack-config.md", "# keys\n");
        Write("infra/Persistence.Infra/Program.cs", "// infra\n");
        Write("tests/Persistence.Infra.Tests/A.cs", "// test\n");
        Write("README.md", "# readme\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static IReadOnlyList<string> Context(string root) => DockerIgnore.ContextFiles(root, Path.Combine(root, "writers", "Dockerfile"));

    /// <summary>What the provider's hash sees: each context file's path, mode and content.</summary>
    private static string Fingerprint(string root)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Context(root))
        {
            var mode = OperatingSystem.IsWindows() ? "" : File.GetUnixFileMode(Path.Combine(root, file)).ToString();
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\0" + mode + "\0"));
            sha.AppendData(File.ReadAllBytes(Path.Combine(root, file)));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    [Fact]
    public void The_repository_context_holds_exactly_the_files_the_tag_hashes()
    {
        var context = Context(TestStacks.RepoRoot);
        var hashed = ContentHash.HashedFiles(TestStacks.RepoRoot);

        Assert.Equal(hashed, context);
        Assert.DoesNotContain(context, f => f.StartsWith("Pulumi.", StringComparison.Ordinal) || f.StartsWith("docs/", StringComparison.Ordinal));
        Assert.Contains("writers/Dockerfile", context);
    }

    [Fact]
    public void A_stack_config_edit_changes_neither_the_tag_nor_the_context()
    {
        var (tag, files, fingerprint) = (ContentHash.Tag(_root), Context(_root), Fingerprint(_root));

        Write("Pulumi.dev.yaml", "config:\n  persistence:cloud: aws\n  persistence:writers: [{limit: {memory: 2Gi}}]\n");
        Write("docs/stack-config.md", "# keys, edited\n");
        Write("infra/Persistence.Infra/Program.cs", "// infra, edited\n");

        Assert.Equal(tag, ContentHash.Tag(_root));
        Assert.Equal(files, Context(_root));
        Assert.Equal(fingerprint, Fingerprint(_root));
    }

    [Fact]
    public void A_code_change_changes_both_the_tag_and_the_context()
    {
        var (tag, fingerprint) = (ContentHash.Tag(_root), Fingerprint(_root));
        Write("writers/Persistence.Writer/Program.cs", "return 1;\n");
        var (editedTag, editedFingerprint) = (ContentHash.Tag(_root), Fingerprint(_root));
        Write("writers/Persistence.Writer/Added.cs", "class Added;\n");

        Assert.NotEqual(tag, editedTag);
        Assert.NotEqual(fingerprint, editedFingerprint);
        Assert.NotEqual(editedTag, ContentHash.Tag(_root));
        Assert.Contains("writers/Persistence.Writer/Added.cs", Context(_root));
        Assert.Equal(ContentHash.HashedFiles(_root), Context(_root));
    }

    [Fact]
    public void A_mode_change_changes_both_the_tag_and_the_context()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("file modes are a Unix notion; the provider hashes them there");
            return;
        }
        var (tag, fingerprint) = (ContentHash.Tag(_root), Fingerprint(_root));
        var script = Path.Combine(_root, "writers", "Persistence.Writer", "Program.cs");
        File.SetUnixFileMode(script, File.GetUnixFileMode(script) | UnixFileMode.UserExecute);

        Assert.NotEqual(tag, ContentHash.Tag(_root));
        Assert.NotEqual(fingerprint, Fingerprint(_root));
    }

    [Fact]
    public void Matching_follows_the_ignore_file_rules()
    {
        var patterns = DockerIgnore.Parse(["# comment", "*", "!writers/", "**/bin/", "!writers/keep/bin/x"]);

        Assert.True(DockerIgnore.IsExcluded("Pulumi.dev.yaml", patterns));
        Assert.True(DockerIgnore.IsExcluded("docs/a.md", patterns));
        Assert.False(DockerIgnore.IsExcluded("writers/a/b.cs", patterns));
        Assert.True(DockerIgnore.IsExcluded("writers/a/bin/c.dll", patterns));
        Assert.False(DockerIgnore.IsExcluded("writers/keep/bin/x", patterns));

        // The Dockerfile's own ignore file wins over the context's, as the provider reads them.
        Write("writers/Dockerfile.dockerignore", "docs/\n");
        Assert.Contains("Pulumi.dev.yaml", Context(_root));
        Assert.DoesNotContain("docs/stack-config.md", Context(_root));
    }
}
