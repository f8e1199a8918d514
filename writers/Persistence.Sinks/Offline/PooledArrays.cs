using System.Buffers;
using System.Runtime.CompilerServices;

namespace Persistence.Sinks.Offline;

/// <summary>
/// Arrays rented for one batch or table and returned together: the columns built per batch would otherwise be fresh
/// garbage every batch, promoted by the collections that run while the batch is written.
/// </summary>
internal sealed class PooledArrays : IDisposable
{
    private readonly List<Action> _returns = [];

    /// <summary>An array of at least <paramref name="length"/>; with <paramref name="clear"/>, its first elements are defaults.</summary>
    public T[] Rent<T>(int length, bool clear = false)
    {
        var array = ArrayPool<T>.Shared.Rent(length);
        if (clear) Array.Clear(array, 0, length);
        // References are cleared on return, so a pooled array keeps no batch alive.
        _returns.Add(() => ArrayPool<T>.Shared.Return(array, RuntimeHelpers.IsReferenceOrContainsReferences<T>()));
        return array;
    }

    public void Dispose()
    {
        foreach (var giveBack in _returns) giveBack();
        _returns.Clear();
    }
}
