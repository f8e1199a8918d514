using Npgsql;
using Persistence.Contracts;

namespace Persistence.Stores.Postgres;

/// <summary>Bound from Stores:Postgres. The password comes from a mounted file (or the connection string), never logged.</summary>
public sealed class PostgresStoreOptions
{
    public string Connection { get; set; } = "";
    public string PasswordPath { get; set; } = "";

    public NpgsqlDataSource CreateDataSource()
    {
        if (string.IsNullOrWhiteSpace(Connection))
            throw new InvalidOperationException($"{SettingNames.Stores.PostgresConnection} is required, e.g. 'Host=db;Database=offline;Username=writer'");
        var builder = new NpgsqlConnectionStringBuilder(Connection);
        if (!string.IsNullOrEmpty(PasswordPath))
        {
            if (!File.Exists(PasswordPath))
                throw new InvalidOperationException($"{SettingNames.Stores.PostgresPasswordPath} names {PasswordPath}, which does not exist; mount the secret there");
            builder.Password = File.ReadAllText(PasswordPath).Trim();
        }
        return NpgsqlDataSource.Create(builder);
    }
}
