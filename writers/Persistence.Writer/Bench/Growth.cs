using System.Globalization;

namespace Persistence.Writer.Bench;

/// <summary>How the streaming insert's cost grows: rows/s as batch size, tables per batch and rows per message grow (ours only, one run each).</summary>
public static class Growth
{
    public static async Task PrintAsync(PostgresBench bench, int messages)
    {
        Console.WriteLine();
        Console.WriteLine("streaming insert, how cost grows (one run each; rows/s ours, and the \\copy limit of the same rows):");
        var shapes = new List<PostgresBench.Shape>();
        foreach (var batch in new[] { 10, 100, 500 }) shapes.Add(new(batch, 8, 100, batch == 10 ? messages / 4 : messages));
        foreach (var tables in new[] { 1, 64, 256 }) shapes.Add(new(500, tables, 100, messages));
        foreach (var rows in new[] { 1, 20, 1000 }) shapes.Add(new(500, 8, rows, Math.Max(500, messages * 100 / rows / (rows == 1 ? 20 : 1))));
        foreach (var shape in shapes)
        {
            var (ours, limit) = await bench.RunAsync(shape).ConfigureAwait(false);
            // Fixed cost per (batch x table): what the batch takes beyond its rows at the limit's per-row rate.
            var batches = Math.Ceiling((double)shape.Messages / shape.Batch);
            var rows = (double)shape.Messages * shape.RowsPerMessage;
            var perTable = (rows / ours - rows / limit) / (batches * Math.Min(shape.Tables, shape.Batch)) * 1000;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {shape,-36} ours {ours,10:0} rows/s   limit {limit,10:0} rows/s   ratio {ours / limit:0.00}   ≈ {perTable:0.00} ms beyond \\copy per (batch x table)"));
        }
    }
}
