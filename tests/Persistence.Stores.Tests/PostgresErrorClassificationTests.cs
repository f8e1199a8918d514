using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Persistence.Contracts;
using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks.Offline;
using Persistence.Sinks.Registry;
using Persistence.Stores.Postgres;
using ValueType = Persistence.Contracts.V1.ValueType;
using static Persistence.Tests.Shared.Eventually;

namespace Persistence.Stores.Tests;

/// <summary>
/// PostgreSQL errors are classified by SQLSTATE: a message the server refuses for good is isolated and dead-lettered
/// with its SQLSTATE while the rest of its batch lands; an unreachable server is transient.
/// </summary>
public sealed class PostgresErrorClassificationTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly FeatureDescriptor Score = new() { Fqn = "user.score", Type = ValueType.Float };

    [Theory]
    [InlineData("22021", WriteErrorKind.Permanent)]
    [InlineData("22P02", WriteErrorKind.Permanent)]
    [InlineData("23505", WriteErrorKind.Permanent)]
    [InlineData("42P01", WriteErrorKind.Permanent)]
    [InlineData("0A000", WriteErrorKind.Permanent)]
    [InlineData("08006", WriteErrorKind.Transient)]
    [InlineData("53300", WriteErrorKind.Transient)]
    [InlineData("57014", WriteErrorKind.Transient)]
    [InlineData("40001", WriteErrorKind.Transient)]
    [InlineData("40P01", WriteErrorKind.Transient)]
    [InlineData("55P03", WriteErrorKind.Transient)]
    [InlineData("XX000", WriteErrorKind.Unknown)]
    public async Task A_server_error_is_classified_by_its_sqlstate(string sqlState, WriteErrorKind kind)
    {
        postgres.SkipIfMissing();
        // The real server raises the error, so the driver's exception is exactly what a failing write would see.
        await using var command = postgres.DataSource.CreateCommand($"DO $$ BEGIN RAISE EXCEPTION 'raised for the test' USING ERRCODE = '{sqlState}'; END $$");
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        var classified = WriteErrorClassifier.Classify(PostgresErrors.Classify(error));
        Assert.Equal(kind, classified.Kind);
        Assert.Equal(kind == WriteErrorKind.Unknown ? nameof(PostgresException) : "postgres_" + sqlState, classified.ErrorClass);
    }

    [Fact]
    public async Task An_unreachable_server_is_transient()
    {
        await using var nowhere = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={ServerProcess.FreePort()};Username=postgres;Timeout=2");
        var store = new PostgresOfflineStore(nowhere);
        var error = await Assert.ThrowsAsync<TransientWriteException>(() => store.EnsureTableAsync("feature__nowhere", FeatureTables.FeatureSchema(Score), default));
        Assert.Equal("postgres_network", error.ErrorClass);
    }

    [Fact]
    public async Task A_string_holding_nul_is_dead_lettered_with_sqlstate_22021_and_the_rest_of_its_batch_lands_and_a_restart_does_not_wedge()
    {
        postgres.SkipIfMissing();
        var table = $"feature__nul_{Guid.NewGuid():N}"[..40];
        var schema = FeatureTables.FeatureSchema(Score);
        var queryId = $"nul-{Guid.NewGuid():N}";
        byte[] Insert(string entity, int i) => new StreamingInsert
        {
            Table = table, Schema = schema, RowCount = 1,
            Parquet = ByteString.CopyFrom(ParquetCodec.EncodeAsync(schema, [[$"{queryId}/{i}", entity, i * 1.0, DateTime.UtcNow, queryId, "test"]]).Result),
        }.ToByteArray();
        byte[] QueryLog() => new StreamingInsert
        {
            Table = FeatureTables.QueryLog, Schema = FeatureTables.QueryLogSchema, RowCount = 1,
            Parquet = ByteString.CopyFrom(ParquetCodec.EncodeAsync(FeatureTables.QueryLogSchema, [[queryId, "test", "d", "op", DateTime.UtcNow, 1.5, 6L, 1L]]).Result),
        }.ToByteArray();

        var harness = new StoreWriterHarness(WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER,
            new WriterDependencies(_ => throw new InvalidOperationException(), Offline: new PostgresOfflineStore(postgres.DataSource)));
        var first = harness.Writer();
        using (var stop = new CancellationTokenSource())
        {
            var run = first.RunAsync(stop.Token);
            // One batch: five good rows, one whose entity key holds U+0000 (valid protobuf and parquet; PostgreSQL refuses it), the query's log row.
            await harness.PublishAsync([Insert("user:0", 0), Insert("user:1", 1), Insert("user:\0bad", 2), Insert("user:3", 3), Insert("user:4", 4), Insert("user:5", 5), QueryLog()]);
            await WaitAsync(() => harness.Input.Acked == 7, "the whole batch settled");
            await stop.CancelAsync();
            await run;
        }
        Assert.Equal(0, first.Stats.HandedBack);
        Assert.Equal(6, first.Stats.Written);
        Assert.Equal(1, first.Stats.DeadLettersByClass["postgres_22021"]);

        var letter = Assert.Single(await harness.ReadDeadLettersAsync());
        Assert.Equal("postgres_22021", letter.Context.ErrorClass);
        Assert.Contains("SQLSTATE 22021", letter.Context.ErrorMessage);
        Assert.Equal(table, StreamingInsert.Parser.ParseFrom(letter.Payload).Table);
        Assert.Equal(5L, await ScalarAsync($"SELECT count(*) FROM {table}"));
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM query_log WHERE query_id = '{queryId}'"));

        // A restart finds nothing held back: the poison was settled (dead-lettered), so new messages flow at once.
        Assert.Equal(0, harness.Input.Backlog);
        var second = harness.Writer();
        using (var stop = new CancellationTokenSource())
        {
            var run = second.RunAsync(stop.Token);
            await harness.PublishAsync([Insert("user:6", 6), Insert("user:7", 7)]);
            await WaitAsync(() => harness.Input.Acked == 9, "the restarted writer's messages written");
            await stop.CancelAsync();
            await run;
        }
        Assert.Equal(0, second.Stats.DeadLettered);
        Assert.Equal(0, harness.DeadLetters.Backlog);
        Assert.Equal(7L, await ScalarAsync($"SELECT count(*) FROM {table}"));
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var command = postgres.DataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }
}
