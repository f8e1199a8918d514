using System.Text.RegularExpressions;
using k8s.Models;

namespace Persistence.Infra.Validation;

/// <summary>Kubernetes resource quantities, parsed the way the API server parses them (KubernetesClient's ResourceQuantity).</summary>
public static partial class Quantities
{
    public static bool TryParse(string text, out decimal value)
    {
        value = 0;
        // The API server's grammar; ResourceQuantity alone also accepts forms like "2 Gi" that kubectl rejects.
        if (!Grammar().IsMatch(text)) return false;
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

    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")]
    private static partial Regex Grammar();
}
