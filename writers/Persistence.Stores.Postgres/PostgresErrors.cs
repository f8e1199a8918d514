using Npgsql;
using Persistence.Contracts;

namespace Persistence.Stores.Postgres;

/// <summary>
/// The PostgreSQL store's error table (docs/bus-contracts.md, "Error classification"), keyed by SQLSTATE class
/// (https://www.postgresql.org/docs/15/errcodes-appendix.html):
/// 22 data exception, 23 integrity constraint violation, 42 syntax error or access rule violation, 0A feature not
/// supported: permanent for the message, dead-lettered as "postgres_{SQLSTATE}";
/// 08 connection exception, 53 insufficient resources, 57 operator intervention, 40 transaction rollback, 55P03
/// lock not available, and network errors (an <see cref="NpgsqlException"/> without a server error): transient.
/// Two writers creating the same table at once can collide in the catalog (23505 on a pg_* index, 42P07, 42710):
/// transient, the retry finds the table. Any other SQLSTATE is left unclassified (bounded retries, then isolated).
/// </summary>
public static class PostgresErrors
{
    public static Exception Classify(Exception error) => error switch
    {
        PostgresException e when IsCatalogRace(e) => new TransientWriteException(Describe(e, "two writers created the same table at once; retrying"), e, ClassOf(e)),
        PostgresException e when e.SqlState.Length == 5 && e.SqlState[..2] is "22" or "23" or "42" or "0A" =>
            new PermanentWriteException(Describe(e, "the message can never be written as it is"), e, ClassOf(e)),
        PostgresException e when e.SqlState == "55P03" || e.SqlState.Length == 5 && e.SqlState[..2] is "08" or "53" or "57" or "40" =>
            new TransientWriteException(Describe(e, "transient, retrying"), e, ClassOf(e)),
        PostgresException => error,
        NpgsqlException e => new TransientWriteException($"PostgreSQL unreachable (transient, retrying): {e.Message}", e, "postgres_network"),
        _ => error,
    };

    /// <summary>Awaits a store call and rethrows its driver errors classified.</summary>
    public static async Task<T> GuardAsync<T>(Task<T> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (Exception e) when (e is PostgresException or NpgsqlException)
        {
            throw Classify(e);
        }
    }

    public static Task GuardAsync(Task call) => GuardAsync(Done(call));

    private static async Task<bool> Done(Task call)
    {
        await call.ConfigureAwait(false);
        return true;
    }

    private static bool IsCatalogRace(PostgresException e) =>
        e.SqlState is "42P07" or "42710" || e.SqlState == "23505" && e.ConstraintName?.StartsWith("pg_", StringComparison.Ordinal) == true;

    private static string ClassOf(PostgresException e) => "postgres_" + e.SqlState;

    private static string Describe(PostgresException e, string verdict)
    {
        var where = e.TableName is null ? "" : $" (table {e.TableName}{(e.ColumnName is null ? "" : $", column {e.ColumnName}")})";
        return $"PostgreSQL refused the write with SQLSTATE {e.SqlState}: {e.MessageText}{where}; {verdict}";
    }
}
