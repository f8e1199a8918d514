namespace Persistence.Runtime.Pipeline;

/// <summary>
/// Bounds the bytes of messages held in flight. A full budget makes the receiver wait, so the
/// writer stops pulling instead of growing until the container is OOMKilled.
/// </summary>
public sealed class ByteBudget(long capacity)
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _released = NewSignal();
    private long _inUse;
    private long _peak;
    private long _waits;

    public long Capacity => capacity;
    public long InUse { get { lock (_gate) return _inUse; } }
    public long Peak { get { lock (_gate) return _peak; } }
    /// <summary>How often a receive had to wait for room: backpressure events.</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>Takes room for <paramref name="bytes"/> if there is some now; never waits.</summary>
    public bool TryAcquire(long bytes)
    {
        lock (_gate)
        {
            if (_inUse + bytes > capacity && _inUse != 0) return false;
            _inUse += bytes;
            _peak = Math.Max(_peak, _inUse);
            return true;
        }
    }

    public async Task AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        var waited = false;
        while (true)
        {
            Task released;
            lock (_gate)
            {
                // One message larger than the whole budget still passes, alone, or the writer would deadlock.
                if (_inUse + bytes <= capacity || _inUse == 0)
                {
                    _inUse += bytes;
                    _peak = Math.Max(_peak, _inUse);
                    return;
                }
                released = _released.Task;
            }
            if (!waited)
            {
                waited = true;
                Interlocked.Increment(ref _waits);
            }
            await released.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Release(long bytes)
    {
        TaskCompletionSource released;
        lock (_gate)
        {
            _inUse -= bytes;
            released = _released;
            _released = NewSignal();
        }
        released.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
