using k8s.Models;

namespace Persistence.Infra.Validation;

/// <summary>Kubernetes resource quantities, parsed the way the API server parses them (KubernetesClient's ResourceQuantity).</summary>
public static class Quantities
{
    public static bool TryParse(string text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text) || text != text.Trim()) return false;
        try
        {
            value = new ResourceQuantity(text).ToDecimal();
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    public const decimal Mi = 1024m * 1024m;
}
