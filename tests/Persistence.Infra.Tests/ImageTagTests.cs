using Persistence.Infra.Desired;
using Persistence.Infra.Desired.Image;

namespace Persistence.Infra.Tests;

public sealed class ImageTagTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("image-tag-tests-").FullName;

    public ImageTagTests()
    {
        Write("writers/Dockerfile", "FROM scratch\n");
        Write("writers/Persistence.Writer/Program.cs", "return 0;\n");
        Write("Directory.Packages.props", "<Project />\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    [Fact]
    public void Tag_is_sha_and_twelve_hex_of_the_content()
    {
        var tag = ContentHash.Tag(_root);

        Assert.Matches("^sha-[0-9a-f]{12}$", tag);
        Assert.Equal(tag, ContentHash.Tag(_root));
        Assert.Equal("sha-" + ContentHash.Compute(_root)[..12], tag);
    }

    [Fact]
    public void A_code_change_or_a_rename_changes_the_tag()
    {
        var before = ContentHash.Tag(_root);
        Write("writers/Persistence.Writer/Program.cs", "return 1;\n");
        var edited = ContentHash.Tag(_root);
        File.Move(Path.Combine(_root, "writers/Persistence.Writer/Program.cs"), Path.Combine(_root, "writers/Persistence.Writer/Main.cs"));
        var renamed = ContentHash.Tag(_root);
        Write("Directory.Packages.props", "<Project><ItemGroup /></Project>\n");
        var pins = ContentHash.Tag(_root);

        Assert.Equal(4, new[] { before, edited, renamed, pins }.Distinct().Count());
    }

    [Fact]
    public void Build_output_and_local_runs_do_not_change_the_tag()
    {
        var before = ContentHash.Tag(_root);
        Write("writers/Persistence.Writer/bin/Debug/app.dll", "binary");
        Write("writers/Persistence.Writer/obj/project.assets.json", "{}");
        Write("writers/.local-run/persistence.duckdb", "data");

        Assert.Equal(before, ContentHash.Tag(_root));
    }

    [Fact]
    public void A_missing_writers_folder_is_named()
    {
        var empty = Directory.CreateTempSubdirectory("no-writers-").FullName;
        try
        {
            var e = Assert.Throws<DirectoryNotFoundException>(() => ContentHash.Tag(empty));
            Assert.Contains("writers", e.Message);
        }
        finally { Directory.Delete(empty); }
    }

    [Fact]
    public void Every_deployment_runs_the_content_tag_unless_pinned()
    {
        var config = DesiredStacks.Config("dev");
        var state = DesiredStateBuilder.Build(config, new DesiredContext("dev", _root));
        var tag = ContentHash.Tag(_root);

        Assert.Equal($"123456789012.dkr.ecr.us-east-1.amazonaws.com/persistence-writer:{tag}", state.Image.Reference);
        Assert.All(state.Kubernetes.Deployments, d => Assert.Equal(state.Image.Reference, d.Spec.Template.Spec.Containers[0].Image));
        var build = state.Image.Build!;
        Assert.Equal((_root, Path.Combine(_root, "writers", "Dockerfile"), "writers/Dockerfile", tag),
            (build.ContextDirectory, build.Dockerfile, build.RelativeDockerfile, build.Tag));

        Write("writers/Persistence.Writer/Program.cs", "return 2;\n");
        var changed = DesiredStateBuilder.Build(config, new DesiredContext("dev", _root));
        Assert.All(changed.Kubernetes.Deployments, d => Assert.NotEqual(state.Image.Reference, d.Spec.Template.Spec.Containers[0].Image));

        // images.tag pins every writer to an existing image: nothing to build.
        var pinned = DesiredStateBuilder.Build(config with { Images = config.Images with { Tag = "2.3.0" } }, new DesiredContext("dev", _root));
        Assert.Null(pinned.Image.Build);
        Assert.All(pinned.Kubernetes.Deployments, d => Assert.EndsWith(":2.3.0", d.Spec.Template.Spec.Containers[0].Image));
    }
}
