/**
 * The fleet dashboard's body (CloudWatch's dashboard JSON), as a pure function
 * of the agents and their alarms: the same fleet always gives the same body,
 * and one agent more is a few lines more.
 */
import { AGENT_PREFIX } from '../../model/fleet';
import { METRICS } from '../../model/operations';

/** One agent on the dashboard. */
export interface DashboardAgent {
  readonly name: string;
  /** ARNs of its alarms (Terraform references), in the order of ALARM_KINDS. */
  readonly alarmArns: readonly string[];
  /** Whether the fleet trail counts its IAM role's calls. */
  readonly cloudTrail: boolean;
}

/** What {@link dashboardBody} draws. */
export interface DashboardInput {
  readonly fleet: string;
  /** What the header says after the fleet's name, e.g. `, page 2 of 10 (agent-a … agent-k)`. @default - nothing */
  readonly part?: string;
  /** The region the metrics live in (a reference to the region data source). */
  readonly region: string;
  readonly agents: readonly DashboardAgent[];
}

/** CloudWatch shows at most 100 alarms in one alarm status widget. */
const ALARMS_PER_WIDGET = 100;

/**
 * Agents on one dashboard. CloudWatch draws at most 500 metrics in a graph
 * (the rotations graph has two an agent); and cdktf scans a string once per
 * token in it, so one body with every alarm ARN of a large fleet costs time
 * that grows with the square of the fleet.
 */
export const DASHBOARD_AGENTS = 100;

type Widget = { type: string; x: number; y: number; width: number; height: number; properties: Record<string, unknown> };

/**
 * Widgets, top to bottom: a header; calls and denied calls per agent (from the
 * call logs, per 5 minutes); the agents' alarm states; rotations per agent and
 * day over the last week (when each last rotated, and whether it failed); and,
 * with a fleet trail, AWS API calls per agent role.
 */
export function dashboardBody(input: DashboardInput): { widgets: Widget[] } {
  const agents = [...input.agents].sort((a, b) => a.name.localeCompare(b.name));
  const widgets: Widget[] = [];
  let y = 0;
  /** One line of a graph: a metric of one agent (or of its role), labelled. */
  const line = (name: string, dimension: string, value: string, label: string, color?: string): unknown[] => [
    METRICS.namespace,
    name,
    dimension,
    value,
    { label, ...(color ? { color } : {}) },
  ];
  const red = '#d62728';
  const graph = (x: number, title: string, metrics: unknown[][], extra: Record<string, unknown> = {}): Widget => ({
    type: 'metric',
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, region: input.region, view: 'timeSeries', stacked: false, stat: 'Sum', period: 300, metrics, ...extra },
  });

  widgets.push({
    type: 'text',
    x: 0,
    y,
    width: 24,
    height: 2,
    properties: {
      markdown:
        `# Agents of fleet ${input.fleet}${input.part ?? ''}\n` +
        `Calls and denied calls from each agent's call log (\`${METRICS.namespace}/${METRICS.calls}\`, \`${METRICS.deniedCalls}\`), alarm states, and rotations. ` +
        'A daily summary with orphans and spikes is posted to the team webhook.',
    },
  });
  y += 2;
  widgets.push(
    graph(
      0,
      'Calls per agent (5 min)',
      agents.map((a) => line(METRICS.calls, METRICS.dimension, a.name, a.name)),
    ),
  );
  widgets.push(
    graph(
      12,
      'Denied calls per agent (5 min)',
      agents.map((a) => line(METRICS.deniedCalls, METRICS.dimension, a.name, a.name)),
    ),
  );
  y += 6;

  const alarms = agents.flatMap((a) => a.alarmArns);
  for (let i = 0; i < alarms.length; i += ALARMS_PER_WIDGET) {
    const part = alarms.length > ALARMS_PER_WIDGET ? ` (${i / ALARMS_PER_WIDGET + 1} of ${Math.ceil(alarms.length / ALARMS_PER_WIDGET)})` : '';
    widgets.push({
      type: 'alarm',
      x: 0,
      y,
      width: 24,
      height: 6,
      properties: { title: `Alarm states${part}`, alarms: alarms.slice(i, i + ALARMS_PER_WIDGET) },
    });
    y += 6;
  }

  const rotations = agents.flatMap((a) => [
    line(METRICS.rotationSuccesses, METRICS.dimension, a.name, `${a.name} succeeded`),
    line(METRICS.rotationFailures, METRICS.dimension, a.name, `${a.name} failed`, red),
  ]);
  widgets.push(graph(0, 'Rotations per agent and day (last rotation: the latest bar)', rotations, { view: 'bar', period: 86400, start: '-P7D' }));
  const trailed = agents.filter((a) => a.cloudTrail);
  if (trailed.length > 0) {
    const aws = trailed.flatMap((a) => [
      line(METRICS.awsCalls, METRICS.roleDimension, `${AGENT_PREFIX}${a.name}`, `${a.name} calls`),
      line(METRICS.awsDeniedCalls, METRICS.roleDimension, `${AGENT_PREFIX}${a.name}`, `${a.name} denied`, red),
    ]);
    widgets.push(graph(12, 'AWS API calls per agent role (CloudTrail, 5 min)', aws));
  }
  return { widgets };
}
