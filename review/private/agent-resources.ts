import { AGENT_PREFIX } from '../../model/fleet';
import { GATEWAY_ITEMS, GatewayAgentConfig } from '../../model/gateway';
import { AlarmKind, parseAlarmName } from '../../model/operations';
import { StackView, TerraformBlock } from '../terraform';
import { groupBy, memo } from './memo';
import { byCodeUnit } from './order';

/**
 * Finders for the resources of one agent in a synthesized stack, by type and
 * the names the constructs give them (`agent-<name>`, `agents/<name>/…`, the
 * alarm-name contract), never by logical id.
 */

/** Vault role types an agent may log in with. */
export const VAULT_ROLE_TYPES = ['vault_approle_auth_backend_role', 'vault_jwt_auth_backend_role'] as const;

/** The agent an `agent-<name>` resource name belongs to. */
export function agentOfName(name: string | undefined): string | undefined {
  return name !== undefined && name.startsWith(AGENT_PREFIX) && name.length > AGENT_PREFIX.length ? name.slice(AGENT_PREFIX.length) : undefined;
}

/**
 * The agents of a stack: every name `agent-<name>` carried by a Vault policy,
 * a Vault role or an IAM role. Sorted.
 */
export function agentNames(view: StackView): string[] {
  const names = new Set<string>();
  const add = (v: unknown): void => {
    const agent = agentOfName(typeof v === 'string' ? v : undefined);
    if (agent) names.add(agent);
  };
  for (const b of view.resources('vault_policy')) add(b.body.name);
  for (const type of VAULT_ROLE_TYPES) for (const b of view.resources(type)) add(b.body.role_name);
  for (const b of view.resources('aws_iam_role')) add(b.body.name);
  return [...names].sort();
}

/** The one resource of `type` whose `attribute` is `value`. */
export function named(view: StackView, type: string, attribute: string, value: string): TerraformBlock | undefined {
  return view.resourceWith(type, attribute, value);
}

/** A number argument (Terraform JSON may carry numbers as strings). */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/** A list-of-strings argument. */
export function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Tags of a resource. */
export function tagsOf(block: TerraformBlock | undefined): Record<string, string> {
  const tags = block?.body.tags;
  return typeof tags === 'object' && tags !== null ? (tags as Record<string, string>) : {};
}

/** An agent's KV v2 entries: named `agents/<agent>/<secret>`, or whose metadata names the agent. */
export function kvEntriesOf(
  view: StackView,
  agent: string,
): { block: TerraformBlock; secret: string; mount: string; name: string; metadata: Record<string, string> }[] {
  type Entry = { block: TerraformBlock; secret: string; mount: string; name: string; metadata: Record<string, string>; agents: string[] };
  const byAgent = memo(view, 'kvEntriesOf', () => {
    const entries: Entry[] = [];
    for (const type of ['vault_kv_secret_v2', 'vault_kv_secret', 'vault_generic_secret']) {
      for (const block of view.resources(type)) {
        const metadata = ((block.body.custom_metadata as { data?: Record<string, string> } | undefined)?.data ?? {}) as Record<string, string>;
        const name = view.literal(block.body.name) ?? view.literal(block.body.path) ?? '';
        const m = /(?:^|\/)agents\/([^/]+)\/([^/]+)$/.exec(name);
        const agents = [...new Set([m?.[1], metadata.agent].filter((a): a is string => a !== undefined))];
        entries.push({ block, secret: m?.[2] ?? name, mount: view.literal(block.body.mount) ?? '', name, metadata, agents });
      }
    }
    return groupBy(entries, (e) => e.agents);
  });
  return (byAgent.get(agent) ?? []).map(({ agents: _agents, ...entry }) => entry);
}

/** An agent's Secrets Manager secrets: `…/agents/<agent>/<secret>` (its credentials and its login delivery). */
export function secretsManagerSecretsOf(view: StackView, agent: string): { block: TerraformBlock; secret: string; name: string }[] {
  const byAgent = memo(view, 'secretsManagerSecretsOf', () => {
    const secrets = view.resources('aws_secretsmanager_secret').flatMap((block) => {
      const name = view.nameOf(block) ?? '';
      const m = /(?:^|\/)agents\/([^/]+)\/([^/]+)$/.exec(name);
      return m ? [{ agent: m[1], block, secret: m[2], name }] : [];
    });
    return groupBy(secrets, (s) => [s.agent]);
  });
  return (byAgent.get(agent) ?? []).map(({ block, secret, name }) => ({ block, secret, name }));
}

/** Secrets the rotation delivers to an agent (its Vault login, its gateway key): not SaaS credentials. */
const DELIVERIES = new Set(['vault-login', 'gateway-key']);

/** An agent's SaaS credentials kept in Secrets Manager: its secrets but the deliveries. */
export function credentialSecretsOf(view: StackView, agent: string): { block: TerraformBlock; secret: string; name: string }[] {
  return secretsManagerSecretsOf(view, agent).filter((s) => !DELIVERIES.has(s.secret));
}

/** The rotation rule of a Secrets Manager secret, as an expression. */
export function secretRotationOf(view: StackView, secret: TerraformBlock): string | undefined {
  for (const rotation of view.resources('aws_secretsmanager_secret_rotation')) {
    if (view.target(rotation.body.secret_id) !== secret) continue;
    const rules = (Array.isArray(rotation.body.rotation_rules) ? rotation.body.rotation_rules[0] : rotation.body.rotation_rules) as
      Record<string, unknown> | undefined;
    const expression = rules?.schedule_expression;
    const days = num(rules?.automatically_after_days);
    if (typeof expression === 'string') return expression;
    if (days !== undefined) return `rate(${days} days)`;
    return 'rotation rule without a schedule';
  }
  return undefined;
}

/** The alarms named for an agent by the alarm-name contract (`scoped-agents/<fleet>/<agent>/<kind>`). */
export function alarmsOf(view: StackView, agent: string): { block: TerraformBlock; fleet: string; kind: AlarmKind; name: string }[] {
  const byAgent = memo(view, 'alarmsOf', () => {
    const alarms = view.resources('aws_cloudwatch_metric_alarm').flatMap((block) => {
      const name = view.literal(block.body.alarm_name);
      const parsed = name === undefined ? undefined : parseAlarmName(name);
      return parsed ? [{ agent: parsed.agent, block, fleet: parsed.fleet, kind: parsed.kind, name: name! }] : [];
    });
    return groupBy(alarms, (a) => [a.agent]);
  });
  return (byAgent.get(agent) ?? []).map(({ block, fleet, kind, name }) => ({ block, fleet, kind, name }));
}

/** The agent's call-log group (`…/agents/<agent>`). */
export function logGroupOf(view: StackView, agent: string): TerraformBlock | undefined {
  const byAgent = memo(view, 'logGroupOf', () =>
    groupBy(view.resources('aws_cloudwatch_log_group'), (b) => {
      const m = /\/agents\/([^/]+)$/.exec(view.nameOf(b) ?? '');
      return m ? [m[1]] : [];
    }),
  );
  return byAgent.get(agent)?.[0];
}

/** How a reference or ARN reads in a report: a resource's label for a reference, the text otherwise. */
export function shown(view: StackView, value: string): string {
  const target = view.target(value);
  return target ? view.label(target) : view.stable(value);
}

/** Scopes a Secrets Manager credential's description lists (`…, scopes a, b; rotator …`). */
export function smScopes(description: string | undefined): string[] {
  const m = /\bscopes ([^;]+);/.exec(description ?? '');
  return m
    ? m[1]
        .split(/,\s*/)
        .map((s) => s.trim())
        .filter(Boolean)
        .sort()
    : [];
}

/** The agent a schedule's target input names (`{"action":"rotate","agent":"x"}`). */
export function targetAgent(target: unknown): string | undefined {
  const t = (Array.isArray(target) ? target[0] : target) as { input?: unknown } | undefined;
  if (typeof t?.input !== 'string') return undefined;
  try {
    const agent = (JSON.parse(t.input) as { agent?: unknown }).agent;
    return typeof agent === 'string' ? agent : undefined;
  } catch {
    return undefined;
  }
}

/** The bindings of a JWT role, one `key.claim=value` string each. */
export function vaultBindings(body: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const key of ['bound_subject', 'bound_audiences', 'bound_claims', 'bound_claims_type', 'user_claim']) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v).sort(([a], [b]) => byCodeUnit(a, b))) out.push(`${key}.${k}=${strings(x).join(',')}`);
    } else {
      out.push(`${key}=${strings(v).join(',')}`);
    }
  }
  return out;
}

/**
 * The agent's item in the fleet gateway's table (`pk = agent#<agent>`), its
 * `config` parsed: how the gateway authenticates it, its endpoints and limit.
 * Absent for an agent that calls its APIs directly, or when the item cannot be read.
 */
export function gatewayItemOf(view: StackView, agent: string): { block: TerraformBlock; config: GatewayAgentConfig } | undefined {
  const byAgent = memo(view, 'gatewayItemOf', () => {
    const items = view.resources('aws_dynamodb_table_item').flatMap((block) => {
      try {
        const item = JSON.parse(view.literal(block.body.item) ?? '') as Record<string, { S?: string }>;
        const pk = item[GATEWAY_ITEMS.key]?.S ?? '';
        if (!pk.startsWith(GATEWAY_ITEMS.agent(''))) return [];
        const config = JSON.parse(item.config?.S ?? '') as GatewayAgentConfig;
        return [{ agent: pk.slice(GATEWAY_ITEMS.agent('').length), block, config }];
      } catch {
        return [];
      }
    });
    return groupBy(items, (i) => [i.agent]);
  });
  const hit = byAgent.get(agent)?.[0];
  return hit ? { block: hit.block, config: hit.config } : undefined;
}

/** The `config` of {@link gatewayItemOf}. */
export function gatewayConfigOf(view: StackView, agent: string): GatewayAgentConfig | undefined {
  return gatewayItemOf(view, agent)?.config;
}

/**
 * How each SaaS credential of the fleet rotates, as the rotate function is
 * told (`CREDENTIALS` of the `<fleet>-rotate` function, in whichever stack
 * holds it): credential name → rotator. A credential it does not list is
 * rotated by hand.
 */
export function credentialRotators(views: readonly StackView[]): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const view of views) {
    for (const fn of view.resources('aws_lambda_function')) {
      if (!String(view.literal(fn.body.function_name) ?? '').endsWith('-rotate')) continue;
      const text = view.literal((fn.body.environment as { variables?: Record<string, unknown> } | undefined)?.variables?.CREDENTIALS);
      if (text === undefined) continue;
      try {
        for (const [name, c] of Object.entries(JSON.parse(text) as Record<string, { rotator?: unknown }>)) {
          out.set(name, typeof c?.rotator === 'string' ? c.rotator : 'manual');
        }
      } catch {
        // Not JSON: nothing known; every credential reads as manual.
      }
    }
  }
  return out;
}

/**
 * What an alarm watches: its metric and the agent (`Agent` dimension), read
 * from the alarm itself or, for one of metric math, from its metric queries
 * (the metrics joined with ` + `, the agent of the call-log metric).
 */
export function alarmMetricOf(view: StackView, body: Readonly<Record<string, unknown>>): { metric?: string; watches?: string; period?: number } {
  if (body.metric_name !== undefined) {
    return { metric: view.literal(body.metric_name), watches: (body.dimensions as Record<string, string> | undefined)?.Agent, period: num(body.period) };
  }
  const queries = (Array.isArray(body.metric_query) ? body.metric_query : []) as { metric?: Record<string, unknown> | Record<string, unknown>[] }[];
  const metrics = queries.map((q) => (Array.isArray(q.metric) ? q.metric[0] : q.metric)).filter((m): m is Record<string, unknown> => m !== undefined);
  const names = metrics.map((m) => view.literal(m.metric_name)).filter((n): n is string => n !== undefined);
  const byAgent = metrics.find((m) => (m.dimensions as Record<string, unknown> | undefined)?.Agent !== undefined);
  return {
    ...(names.length > 0 ? { metric: names.join(' + ') } : {}),
    ...(byAgent ? { watches: String((byAgent.dimensions as Record<string, unknown>).Agent) } : {}),
    ...(metrics[0] ? { period: num(metrics[0].period) } : {}),
  };
}
