namespace Persistence.PulumiHost.Hosting;

/// <summary>The checkout root (where Pulumi.yaml lives): the image context writers/ is found from it, whatever
/// working directory the Pulumi CLI starts the program in.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml"))) return dir.FullName;
        }
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml"))) return dir.FullName;
        }
        throw new InvalidOperationException(
            "Pulumi.yaml not found above the program or the working directory; run pulumi from the repository checkout.");
    }
}
