using System.Globalization;
using k8s.Models;

namespace Persistence.Infra.Doctor;

/// <summary>The memory to raise an OOMKilled writer to: double its limit, written the way stack config writes it.</summary>
public static class MemoryAdvice
{
    public static string Double(string limit)
    {
        long bytes;
        try { bytes = new ResourceQuantity(limit).ToInt64(); }
        catch (FormatException) { return $"<twice {limit}>"; }
        var doubled = bytes * 2;
        const long Mi = 1L << 20, Gi = 1L << 30;
        return doubled % Gi == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{doubled / Gi}Gi")
            : string.Create(CultureInfo.InvariantCulture, $"{(doubled + Mi - 1) / Mi}Mi");
    }
}
