using System.Text.RegularExpressions;
using Npgsql;
using Persistence.Contracts;
using static Persistence.Contracts.SettingNames;

namespace Persistence.EndToEnd.Tests;

/// <summary>Where the loopback servers are, and the credentials they accept.</summary>
public sealed record LoopbackServers(
    string? KafkaBootstrap,
    string? PubSubEmulator,
    string RedisEndpoints,
    string PostgresHost,
    int PostgresPort,
    string PostgresPassword,
    string MirrorUrl);

/// <summary>
/// A rendered writer's environment, exactly as rendered except endpoints and credentials, which point at loopback
/// servers (mounted secret files become temp files, the emptyDir volumes temp directories, the downward API the
/// container's limit). Any variable this does not know how to resolve fails the test: a new kind of rendered
/// value must be looked at, not silently dropped.
/// </summary>
public static partial class LoopbackEnvironment
{
    public static Dictionary<string, string> For(RenderedWriter writer, LoopbackServers servers, string podDirectory)
    {
        Directory.CreateDirectory(podDirectory);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in writer.Env)
        {
            if (variable.ValueFrom is { } from)
            {
                if (from.ResourceFieldRef is { Resource: "limits.memory" })
                    env[variable.Name] = writer.MemoryLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
                else if (from.SecretKeyRef is not null)
                    env[variable.Name] = "loopback-secret"; // the loopback servers take no password from the environment
                else
                    Assert.Fail($"{writer.Name}: {variable.Name} comes from {from}, which the loopback environment does not know how to resolve");
                continue;
            }
            env[variable.Name] = variable.Value ?? "";
        }

        // Endpoints and credentials: each swap must hit a rendered variable, or the render changed under the test.
        void Swap(string key, Func<string, string> to)
        {
            var name = ToEnvironmentVariable(key);
            Assert.True(env.ContainsKey(name), $"{writer.Name}: the render no longer sets {name}; update the loopback swap");
            env[name] = to(env[name]);
        }
        bool Has(string key) => env.ContainsKey(ToEnvironmentVariable(key));

        Swap(SettingNames.Writer.HealthPort, _ => ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Has(Bus.KafkaBootstrapServers))
        {
            Swap(Bus.KafkaBootstrapServers, _ => servers.KafkaBootstrap ?? throw new InvalidOperationException("no Kafka mock cluster"));
            // MSK speaks SASL_SSL; the mock cluster plaintext only. The mounted secret still exists, as a temp file.
            Swap(Bus.KafkaSecurityProtocol, _ => "PLAINTEXT");
            if (Has(Bus.KafkaSaslSecretPath))
                Swap(Bus.KafkaSaslSecretPath, _ => WriteFile(podDirectory, "kafka-sasl.json", """{"username":"loopback","password":"loopback"}"""));
        }
        if (Has(Bus.PubSubProjectId))
            env[ToEnvironmentVariable(Bus.PubSubEmulatorHost)] = servers.PubSubEmulator ?? throw new InvalidOperationException("no Pub/Sub emulator");
        if (Has(SettingNames.Stores.RedisConnection))
        {
            Swap(SettingNames.Stores.RedisConnection, rendered => RedisLoopback(rendered, servers.RedisEndpoints));
            // TLS is dropped with the endpoint (as for Kafka), so its server CA goes too; trusting a mounted CA over TLS
            // is tested against a TLS redis-server in RedisServerCaTests.
            if (Has(SettingNames.Stores.RedisCaCertificatePath)) env.Remove(ToEnvironmentVariable(SettingNames.Stores.RedisCaCertificatePath));
        }
        if (Has(SettingNames.Stores.PostgresConnection))
        {
            Swap(SettingNames.Stores.PostgresConnection, rendered => new NpgsqlConnectionStringBuilder(rendered) { Host = servers.PostgresHost, Port = servers.PostgresPort }.ConnectionString);
            Swap(SettingNames.Stores.PostgresPasswordPath, _ => WriteFile(podDirectory, "postgres-password", servers.PostgresPassword));
        }
        // Volumes (emptyDir) become directories of this "pod".
        Swap(SettingNames.Stores.EmbeddedPath, rendered => Path.Combine(podDirectory, "data", Path.GetFileName(rendered)));
        Directory.CreateDirectory(Path.Combine(podDirectory, "data"));
        if (Has(SettingNames.Stores.BulkInsertSpoolDirectory))
            Swap(SettingNames.Stores.BulkInsertSpoolDirectory, _ => Directory.CreateDirectory(Path.Combine(podDirectory, "spool")).FullName);
        if (Has(SettingNames.Stores.ApiServerHost))
            Swap(SettingNames.Stores.ApiServerHost, _ => servers.MirrorUrl);
        if (writer.Type == nameof(WriterType.OFFLINE_STORE_BULK_INSERT_WRITER))
        {
            // The object store endpoints: nothing listens there, and nothing is loaded in these tests.
            var nowhere = $"http://127.0.0.1:{ServerProcess.FreePort()}";
            if (env.GetValueOrDefault(ToEnvironmentVariable(SettingNames.Stores.Cloud)) == "AWS")
            {
                env[ToEnvironmentVariable(SettingNames.Stores.S3ServiceUrl)] = nowhere;
                env["AWS_ACCESS_KEY_ID"] = "loopback";
                env["AWS_SECRET_ACCESS_KEY"] = "loopback";
            }
            else env[ToEnvironmentVariable(SettingNames.Stores.GcsEndpoint)] = nowhere;
        }

        // Kubernetes expands $(VAR) from earlier variables of the same container.
        foreach (var key in env.Keys.ToList())
            env[key] = Reference().Replace(env[key], m => env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
        return env;
    }

    /// <summary>The rendered Redis configuration with its endpoint swapped, and TLS and AUTH (credentials) dropped.</summary>
    private static string RedisLoopback(string rendered, string endpoints)
    {
        var options = rendered.Split(',').Skip(1)
            .Where(o => !o.StartsWith("ssl=", StringComparison.OrdinalIgnoreCase) && !o.StartsWith("password=", StringComparison.OrdinalIgnoreCase));
        return string.Join(',', new[] { endpoints }.Concat(options));
    }

    private static string WriteFile(string directory, string name, string content)
    {
        var path = Path.Combine(directory, "secrets", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
