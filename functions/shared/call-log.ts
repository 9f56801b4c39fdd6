/**
 * What the functions read back from an agent's call log: whether it has ever
 * made a call. An agent that has not made its first call is "never used", not
 * an orphan: the orphan alarm fires for it too (an hour without data counts as
 * an hour without calls), and it must not be revoked for it.
 */
import { CloudWatchLogsClient, DescribeLogStreamsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { callLogGroupName } from '../../model/operations';

/**
 * The time of the agent's last logged call, `null` when its call log has
 * never held one (no group yet, no stream, or streams without events). Read
 * from the newest stream's `lastEventTimestamp`, which CloudWatch Logs updates
 * within an hour of the event: exact enough for an alarm measured in hours.
 */
export async function lastCallTime(logs: CloudWatchLogsClient, fleet: string, agent: string): Promise<Date | null> {
  try {
    const res = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: callLogGroupName(fleet, agent), orderBy: 'LastEventTime', descending: true, limit: 1 }),
    );
    const last = res.logStreams?.[0]?.lastEventTimestamp;
    return last === undefined ? null : new Date(last);
  } catch (e) {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return null;
    throw e;
  }
}
