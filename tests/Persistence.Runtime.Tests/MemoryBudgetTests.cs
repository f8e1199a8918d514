using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;

namespace Persistence.Runtime.Tests;

/// <summary>In-flight bytes stay within the budget: a slow sink makes the writer stop pulling, and the backlog grows instead.</summary>
public sealed class MemoryBudgetTests
{
    [Fact]
    public async Task A_full_budget_stops_receiving_until_writes_complete()
    {
        var harness = new LoopHarness();
        var release = new TaskCompletionSource();
        harness.Sink.Behaviour = async (_, _) => { await release.Task; return null; };
        var payload = new string('x', 1000);
        harness.Publish(Enumerable.Range(0, 100).Select(i => $"{i:D3}{payload}").ToArray());
        const long budget = 10_000;
        using var stop = new CancellationTokenSource();
        var writer = harness.Writer(budgetBytes: budget);
        var run = writer.RunAsync(stop.Token);

        await LoopHarness.WaitUntilAsync(() => writer.Budget.Waits > 0, "the receiver to wait for budget");
        await Task.Delay(100);
        Assert.InRange(writer.Stats.Received, 1, 11); // ten fit; the eleventh was received and waits for room
        Assert.True(writer.Budget.Peak <= budget, $"peak {writer.Budget.Peak} exceeded the budget {budget}");
        Assert.True(harness.Input.Backlog >= 89, $"the backlog should stay on the bus, was {harness.Input.Backlog}");

        release.SetResult();
        await LoopHarness.WaitUntilAsync(() => harness.Input.Acked == 100, "everything written once the sink frees up");
        Assert.True(writer.Budget.Peak <= budget);
        Assert.Equal(0, writer.Budget.InUse);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_message_larger_than_the_budget_still_passes_alone()
    {
        var budget = new ByteBudget(100);
        await budget.AcquireAsync(500, CancellationToken.None);
        var second = budget.AcquireAsync(1, CancellationToken.None);
        await Task.Delay(20);
        Assert.False(second.IsCompleted);
        budget.Release(500);
        await second.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, budget.InUse);
    }

    [Fact]
    public void The_budget_is_a_share_of_the_container_memory_limit()
    {
        var fromLimit = MemoryBudget.Resolve(new WriterOptions { MemoryLimitBytes = 2L << 30 }, () => null);
        Assert.Equal((2L << 30) / 4, fromLimit.Bytes);
        Assert.Contains("2048 MiB memory limit", fromLimit.Reason);

        var fromCgroup = MemoryBudget.Resolve(new WriterOptions(), () => 512L << 20);
        Assert.Equal(128L << 20, fromCgroup.Bytes);

        var explicitBudget = MemoryBudget.Resolve(new WriterOptions { MemoryBudgetBytes = 12345, MemoryLimitBytes = 1L << 30 }, () => null);
        Assert.Equal(12345, explicitBudget.Bytes);

        Assert.Equal(MemoryBudget.DefaultBytes, MemoryBudget.Resolve(new WriterOptions(), () => null).Bytes);
    }

    [Fact]
    public void A_writer_types_budget_is_the_gc_heap_less_a_baseline_over_its_decode_amplification()
    {
        const long limit = 256L << 20;
        var heap = limit * Persistence.Contracts.WriterGcSettings.HeapHardLimitPercent / 100;
        var online = MemoryBudget.Resolve(new WriterOptions { Type = Persistence.Contracts.WriterType.ONLINE_WRITER, MemoryLimitBytes = limit }, () => null);
        var offline = MemoryBudget.Resolve(new WriterOptions { Type = Persistence.Contracts.WriterType.OFFLINE_WRITER, MemoryLimitBytes = limit }, () => null);

        Assert.Equal((long)((heap - MemoryBudget.BaselineHeapBytes) / 3.0), online.Bytes);
        Assert.Equal((long)((heap - MemoryBudget.BaselineHeapBytes) / 8.0), offline.Bytes);
        Assert.Contains("OFFLINE_WRITER's 8.0x decode amplification", offline.Reason);
        // Budget times amplification plus the baseline fits the heap the GC is allowed.
        Assert.True(offline.Bytes * MemoryBudget.Amplification(Persistence.Contracts.WriterType.OFFLINE_WRITER) + MemoryBudget.BaselineHeapBytes <= heap);

        // An explicit share still wins over the derivation.
        var share = MemoryBudget.Resolve(new WriterOptions { Type = Persistence.Contracts.WriterType.ONLINE_WRITER, MemoryLimitBytes = limit, MemoryBudgetFraction = 0.5 }, () => null);
        Assert.Equal(limit / 2, share.Bytes);
    }
}
