using Persistence.Contracts.V1;
using Persistence.Sinks.Offline;

namespace Persistence.Tests.Shared;

/// <summary>A parquet file written row group by row group, remembering where its last row group starts.</summary>
public sealed record MultiGroupFile(string Path, int RowGroups, long Rows, long LastGroupOffset)
{
    public static async Task<MultiGroupFile> WriteAsync(string path, TableSchema schema, int groups, int rowsPerGroup)
    {
        long lastGroupOffset = 0;
        await using var file = File.Create(path);
        IEnumerable<IReadOnlyList<object?[]>> RowGroups()
        {
            for (var g = 0; g < groups; g++)
            {
                lastGroupOffset = file.Position; // the writer has flushed every earlier row group by now
                yield return Enumerable.Range(g * rowsPerGroup, rowsPerGroup)
                    .Select(r => new object?[] { $"obs/{r}", $"user:{r}", r * 1.5, new DateTime(2026, 11, 24, 0, 0, 0, DateTimeKind.Utc).AddSeconds(r), "q", "test" })
                    .ToList();
            }
        }
        await ParquetCodec.EncodeAsync(file, schema, RowGroups());
        return new MultiGroupFile(path, groups, (long)groups * rowsPerGroup, lastGroupOffset);
    }

    /// <summary>Overwrites the start of the last row group (its first page header) with bytes no reader accepts; the footer stays intact.</summary>
    public async Task CorruptLastRowGroupAsync()
    {
        await using var file = File.OpenWrite(Path);
        file.Position = LastGroupOffset;
        await file.WriteAsync(Enumerable.Repeat((byte)0xFF, 64).ToArray());
    }
}
