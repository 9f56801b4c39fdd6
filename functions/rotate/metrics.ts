import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { METRICS } from '../../model/operations';

/**
 * Publishes one run's rotation outcome for `agent`: `RotationSuccesses` and
 * `RotationFailures` (both, zeros included, so the rotation-failure alarm
 * always has a datapoint to compare), dimension `Agent`.
 */
export async function putRotationMetrics(
  cloudwatch: CloudWatchClient,
  agent: string,
  outcome: { successes: number; failures: number },
  now: Date,
): Promise<void> {
  const dimensions = [{ Name: METRICS.dimension, Value: agent }];
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: METRICS.namespace,
      MetricData: [
        { MetricName: METRICS.rotationSuccesses, Dimensions: dimensions, Value: outcome.successes, Unit: 'Count', Timestamp: now },
        { MetricName: METRICS.rotationFailures, Dimensions: dimensions, Value: outcome.failures, Unit: 'Count', Timestamp: now },
      ],
    }),
  );
}
