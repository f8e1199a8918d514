using Microsoft.Extensions.Logging;
using Persistence.Contracts;
using Persistence.Runtime.Diagnostics;
using Persistence.Runtime.Options;
using Polly;
using Polly.Retry;

namespace Persistence.Runtime.Pipeline;

/// <summary>
/// The loop's one resilience pipeline (Polly.Core), carrying the error classification: transient errors are retried
/// with jittered exponential backoff (Writer:RetryInitialMilliseconds to Writer:RetryMaxMilliseconds, 200 ms to 30 s)
/// for as long as the writer is not stopping; unknown errors a bounded number of times (given per call:
/// Writer:MaxAttemptsBeforeIsolation for a batch, once for a part being isolated); permanent errors not at all, so the
/// caller isolates and dead-letters at once.
/// </summary>
public sealed class WriteRetries
{
    private static readonly ResiliencePropertyKey<int> UnknownAttempts = new("persistence.unknown-attempts");
    private static readonly ResiliencePropertyKey<string> Operation = new("persistence.operation");
    private readonly ResiliencePipeline _pipeline;

    public WriteRetries(WriterOptions options, WriterStats stats, ILogger logger, string writerName)
    {
        _pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                // "For ever": int.MaxValue retries (Polly's documented way to retry indefinitely); stopping ends it
                // through the cancellation token.
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(options.RetryInitialMilliseconds),
                MaxDelay = TimeSpan.FromMilliseconds(Math.Max(options.RetryMaxMilliseconds, options.RetryInitialMilliseconds)),
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome.Exception, args.AttemptNumber, args.Context)),
                OnRetry = args =>
                {
                    var error = WriteErrorClassifier.Classify(args.Outcome.Exception!);
                    stats.OnRetry(error, args.Outcome.Exception!);
                    var attempt = args.AttemptNumber + 1;
                    // The first failure and every tenth: an outage must not flood the logs.
                    if (attempt == 1 || attempt % 10 == 0)
                        logger.LogWarning("{Writer}: {Operation} failed (attempt {Attempt}, {Kind} {ErrorClass}), retrying in {Delay:F1}s: {Error}",
                            writerName, args.Context.Properties.GetValue(Operation, "write"), attempt, error.Kind, error.ErrorClass,
                            args.RetryDelay.TotalSeconds, args.Outcome.Exception!.Message);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Runs <paramref name="action"/>, retrying as classified; throws the last error when it is not retried further.</summary>
    /// <param name="unknownAttempts">How many attempts an unclassified error gets before it is thrown.</param>
    public async ValueTask<TResult> ExecuteAsync<TResult>(Func<CancellationToken, ValueTask<TResult>> action, string operation, int unknownAttempts, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(UnknownAttempts, unknownAttempts);
        context.Properties.Set(Operation, operation);
        try
        {
            return await _pipeline.ExecuteAsync(static (ctx, run) => run(ctx.CancellationToken), context, action).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static bool ShouldRetry(Exception? error, int attemptNumber, ResilienceContext context)
    {
        if (error is null || context.CancellationToken.IsCancellationRequested)
            return false;
        return WriteErrorClassifier.Classify(error).Kind switch
        {
            WriteErrorKind.Transient => true,
            WriteErrorKind.Unknown => attemptNumber + 1 < context.Properties.GetValue(UnknownAttempts, 1),
            _ => false,
        };
    }
}
