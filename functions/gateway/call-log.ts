/**
 * Where the gateway writes its call-log lines: each agent's own log group
 * (`/scoped-agents/<fleet>/agents/<agent>`), in one stream per gateway
 * instance, batched; calls it cannot attribute go to the fleet's gateway
 * group. A batch that cannot be delivered is written to the function's own
 * log instead (the lines hold no secret), never dropped silently.
 */
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CallLogLine, callLogText } from '../../model/call-log';
import { errorMessage, Logger } from '../shared/log';

/** Takes lines now, delivers them on `flush`. */
export interface CallLogSink {
  write(group: string, line: CallLogLine): void;
  /** Delivers every line written so far. Never throws. */
  flush(): Promise<void>;
}

/** PutLogEvents takes at most 10,000 events and 1,048,576 bytes (each event's size plus 26) a call. */
const MAX_EVENTS = 10_000;
const MAX_BYTES = 1_048_576;

/** A sink writing to CloudWatch Logs, in the stream `stream` of each group. */
export function cloudWatchSink(logs: CloudWatchLogsClient, stream: string, log: Logger): CallLogSink {
  let pending = new Map<string, { timestamp: number; message: string }[]>();
  const created = new Set<string>();
  let flushing: Promise<void> = Promise.resolve();

  const ensureStream = async (group: string): Promise<void> => {
    if (created.has(group)) return;
    try {
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    } catch (e) {
      if ((e as { name?: string }).name !== 'ResourceAlreadyExistsException') throw e;
    }
    created.add(group);
  };

  const deliver = async (group: string, events: { timestamp: number; message: string }[]): Promise<void> => {
    events.sort((a, b) => a.timestamp - b.timestamp);
    for (let i = 0; i < events.length;) {
      let bytes = 0;
      let j = i;
      while (j < events.length && j - i < MAX_EVENTS && bytes + Buffer.byteLength(events[j].message) + 26 <= MAX_BYTES)
        bytes += Buffer.byteLength(events[j++].message) + 26;
      const batch = events.slice(i, j);
      try {
        await ensureStream(group);
        await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: batch }));
      } catch (e) {
        created.delete(group);
        for (const event of batch)
          log.error('a call-log line could not be delivered; it is kept here', { group, error: errorMessage(e), line: JSON.parse(event.message) });
      }
      i = j;
    }
  };

  return {
    write(group, line) {
      const events = pending.get(group) ?? [];
      events.push({ timestamp: Date.parse(line.timestamp), message: callLogText(line) });
      pending.set(group, events);
    },
    flush() {
      const batch = pending;
      pending = new Map();
      flushing = flushing.then(() => Promise.all([...batch].map(([group, events]) => deliver(group, events))).then(() => undefined));
      return flushing;
    },
  };
}

/** A sink that keeps the lines in memory (the benchmark's, and a test's view of what was written). */
export function memorySink(): CallLogSink & { readonly lines: { group: string; line: CallLogLine }[] } {
  const lines: { group: string; line: CallLogLine }[] = [];
  return { lines, write: (group, line) => void lines.push({ group, line }), flush: async () => undefined };
}
