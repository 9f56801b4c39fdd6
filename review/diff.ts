import { AccessMatrix, agentKey, AgentAccess, AgentTtls, AlarmAccess } from './access-matrix';
import { cell, cellCode } from '../model/private/markdown';
import { firesPerYear } from './private/schedule-frequency';
import { alarmCondition, ttlText } from './report';
import { byCodeUnit } from './private/order';
import { patternCovers } from '../model/http-grants';

/** Whether a change gives an agent more (broadening) or less (narrowing). */
export type ChangeClass = 'broadening' | 'narrowing';

/** What part of an agent's access a change is about. */
export type ChangeCategory = 'agent' | 'vault' | 'iam' | 'gateway' | 'ttl' | 'alarm' | 'rotation' | 'trust';

/** One change to one agent's access between two synthesized outputs. */
export interface PrivilegeChange {
  readonly class: ChangeClass;
  /** The agent (prefixed with its stack when the outputs hold several). */
  readonly agent: string;
  readonly category: ChangeCategory;
  /** What happened, e.g. `new IAM action`, `longer TTL`, `alarm removed`. */
  readonly change: string;
  /** The exact grant, in Markdown (code spans around names): `` `s3:DeleteObject` on `arn:aws:s3:::x/*` ``. */
  readonly grant: string;
}

/** Every change between a base and a head access matrix. */
export interface PrivilegeDiff {
  /** True when any change broadens an agent's access: what CI fails on. */
  readonly broadened: boolean;
  readonly base: string;
  readonly head: string;
  readonly summary: { readonly broadening: number; readonly narrowing: number; readonly agents: number };
  /** Sorted by agent, broadening first, then category and grant. */
  readonly changes: readonly PrivilegeChange[];
}

type Emit = (cls: ChangeClass, category: ChangeCategory, change: string, grant: string) => void;

const CATEGORY_ORDER: readonly ChangeCategory[] = ['agent', 'vault', 'iam', 'gateway', 'ttl', 'trust', 'rotation', 'alarm'];
const caps = (cs: Iterable<string>): string => [...cs].map(cellCode).join(', ');

/**
 * Compares two access matrices agent by agent and classes every change:
 * broadening (a new agent; a new Vault path or capability, IAM action or
 * resource, managed policy or token policy; a gateway endpoint that no earlier
 * one of the same API and method covers (a new method, a wider path pattern),
 * another provider base URL, a higher gateway rate; a longer TTL; an alarm or rotation
 * removed, disabled or loosened, a credential's rotation made manual; a wider trust policy or network binding) or
 * narrowing (the reverse). Changes nobody can judge (a rotation expression
 * this cannot compare, a changed condition) count as broadening.
 */
export function diffMatrices(base: AccessMatrix, head: AccessMatrix): PrivilegeDiff {
  const multiStack = new Set([...base.stacks, ...head.stacks]).size > 1;
  const before = new Map(base.agents.map((a) => [agentKey(a, multiStack), a]));
  const after = new Map(head.agents.map((a) => [agentKey(a, multiStack), a]));
  const changes: PrivilegeChange[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const emit: Emit = (cls, category, change, grant) => changes.push({ class: cls, agent: key, category, change, grant });
    const b = before.get(key);
    const h = after.get(key);
    if (!b && h) {
      const creds = [
        h.identity.vaultRole && `Vault role ${cellCode(h.identity.vaultRole)}`,
        h.identity.iamRole && `IAM role ${cellCode(h.identity.iamRole)}`,
      ].filter(Boolean);
      emit('broadening', 'agent', 'new agent', `agent ${cellCode(h.name)}${creds.length > 0 ? `: ${creds.join(', ')}` : ''}`);
      diffAgent(emptyLike(h), h, emit, true);
    } else if (b && !h) {
      emit('narrowing', 'agent', 'agent removed', `agent ${cellCode(b.name)} and every grant it had`);
    } else if (b && h) {
      diffAgent(b, h, emit, false);
    }
  }
  const rank = (c: PrivilegeChange): string => `${c.class === 'broadening' ? 0 : 1}${CATEGORY_ORDER.indexOf(c.category)}`;
  changes.sort((x, y) => byCodeUnit(x.agent, y.agent) || byCodeUnit(rank(x), rank(y)) || byCodeUnit(x.change, y.change) || byCodeUnit(x.grant, y.grant));
  const broadening = changes.filter((c) => c.class === 'broadening').length;
  return {
    broadened: broadening > 0,
    base: base.dir,
    head: head.dir,
    summary: { broadening, narrowing: changes.length - broadening, agents: new Set(changes.map((c) => c.agent)).size },
    changes,
  };
}

/** An agent with nothing, so that a new agent's grants diff as additions. */
function emptyLike(a: AgentAccess): AgentAccess {
  return {
    ...a,
    identity: { vaultRolePolicies: [], managedPolicies: [] },
    scopes: [],
    vault: [],
    iam: [],
    ttl: {},
    rotation: { secretRotations: [] },
    alarms: [],
    secrets: [],
    trust: { awsPrincipals: [], tokenBoundCidrs: [], secretIdBoundCidrs: [], vaultBindings: [] },
    unreadable: [],
    gateway: undefined,
    direct: [],
  };
}

function diffAgent(b: AgentAccess, h: AgentAccess, emit: Emit, isNew: boolean): void {
  // A policy the reader cannot parse may grant anything: fail closed.
  for (const u of h.unreadable.filter((x) => !b.unreadable.includes(x))) {
    emit('broadening', u.startsWith('vault_') ? 'vault' : 'iam', 'policy cannot be read', cell(u));
  }
  diffVault(b, h, emit);
  diffIam(b, h, emit);
  diffGateway(b, h, emit);
  diffTrust(b, h, emit, isNew);
  if (isNew) return;
  diffTtl(b, h, emit);
  diffRotation(b, h, emit);
  diffAlarms(b.alarms, h.alarms, emit);
}

function diffVault(b: AgentAccess, h: AgentAccess, emit: Emit): void {
  const was = new Map(b.vault.map((r) => [r.path, new Set(r.capabilities)]));
  const now = new Map(h.vault.map((r) => [r.path, new Set(r.capabilities)]));
  // `deny` takes access away: adding it narrows, removing it broadens.
  const more = (c: string): ChangeClass => (c === 'deny' ? 'narrowing' : 'broadening');
  const less = (c: string): ChangeClass => (c === 'deny' ? 'broadening' : 'narrowing');
  for (const [path, capsNow] of now) {
    const capsWas = was.get(path);
    if (!capsWas) {
      emit(capsNow.has('deny') && capsNow.size === 1 ? 'narrowing' : 'broadening', 'vault', 'new Vault path', `${caps(capsNow)} on ${cellCode(path)}`);
      continue;
    }
    for (const c of capsNow)
      if (!capsWas.has(c)) emit(more(c), 'vault', c === 'deny' ? 'new Vault deny' : 'new Vault capability', `${cellCode(c)} on ${cellCode(path)}`);
    for (const c of capsWas)
      if (!capsNow.has(c)) emit(less(c), 'vault', c === 'deny' ? 'Vault deny removed' : 'Vault capability removed', `${cellCode(c)} on ${cellCode(path)}`);
  }
  for (const [path, capsWas] of was)
    if (!now.has(path)) emit(capsWas.has('deny') ? 'broadening' : 'narrowing', 'vault', 'Vault path removed', `${caps(capsWas)} on ${cellCode(path)}`);

  const role = h.identity.vaultRole ?? b.identity.vaultRole ?? 'its role';
  const policiesWas = new Set(b.identity.vaultRolePolicies);
  const policiesNow = new Set(h.identity.vaultRolePolicies);
  for (const p of policiesNow) if (!policiesWas.has(p)) emit('broadening', 'vault', 'new token policy', `tokens of ${cellCode(role)} carry ${cellCode(p)}`);
  for (const p of policiesWas)
    if (!policiesNow.has(p)) emit('narrowing', 'vault', 'token policy removed', `tokens of ${cellCode(role)} no longer carry ${cellCode(p)}`);
}

/**
 * The gateway: an endpoint no endpoint of the base covers (same API and
 * method, `patternCovers`) broadens, one the head no longer covers narrows; a
 * provider reached at another base URL broadens; a higher rate broadens.
 */
function diffGateway(b: AgentAccess, h: AgentAccess, emit: Emit): void {
  const was = b.gateway?.endpoints ?? [];
  const now = h.gateway?.endpoints ?? [];
  const covered = (e: (typeof was)[number], by: typeof was): boolean =>
    by.some((o) => o.api === e.api && o.method === e.method && patternCovers(o.path, e.path));
  const text = (e: (typeof was)[number]): string => `${cellCode(`${e.method} ${e.path}`)} on ${cell(e.api)}`;
  for (const e of now)
    if (!covered(e, was))
      emit('broadening', 'gateway', was.some((o) => o.api === e.api && o.method === e.method) ? 'wider gateway endpoint' : 'new gateway endpoint', text(e));
  for (const e of was) if (!covered(e, now)) emit('narrowing', 'gateway', 'gateway endpoint removed', text(e));
  const bases = (a: typeof was): Map<string, string> => new Map(a.map((e) => [e.api, e.baseUrl]));
  for (const [api, url] of bases(now)) {
    const before = bases(was).get(api);
    if (before !== undefined && before !== url)
      emit('broadening', 'gateway', 'gateway forwards elsewhere', `${cell(api)}: ${cellCode(before)} → ${cellCode(url)}`);
  }
  if (b.gateway && h.gateway && h.gateway.maxCallsPerMinute !== b.gateway.maxCallsPerMinute) {
    const higher = h.gateway.maxCallsPerMinute > b.gateway.maxCallsPerMinute;
    emit(
      higher ? 'broadening' : 'narrowing',
      'gateway',
      higher ? 'higher gateway rate' : 'lower gateway rate',
      `${b.gateway.maxCallsPerMinute} → ${h.gateway.maxCallsPerMinute} calls a minute`,
    );
  }
}

/** `action on resource` pairs of an agent's IAM statements, with the conditions each pair is granted under (`''`: none). */
function iamPairs(a: AgentAccess, effect: 'Allow' | 'Deny'): Map<string, { action: string; resource: string; conditions: Set<string> }> {
  const pairs = new Map<string, { action: string; resource: string; conditions: Set<string> }>();
  for (const g of a.iam.filter((x) => x.effect === effect)) {
    const actions = g.notActions.length > 0 ? [`every action except ${g.notActions.join(', ')}`] : g.actions;
    const resources = g.notResources.length > 0 ? [`every resource except ${g.notResources.join(', ')}`] : g.resources;
    for (const action of actions) {
      for (const resource of resources) {
        const key = JSON.stringify([action, resource]);
        const p = pairs.get(key) ?? { action, resource, conditions: new Set<string>() };
        p.conditions.add(g.condition ?? '');
        pairs.set(key, p);
      }
    }
  }
  return pairs;
}

function diffIam(b: AgentAccess, h: AgentAccess, emit: Emit): void {
  const text = (p: { action: string; resource: string }): string => `${cellCode(p.action)} on ${cellCode(p.resource)}`;
  const was = iamPairs(b, 'Allow');
  const now = iamPairs(h, 'Allow');
  const actionsWas = new Set([...was.values()].map((p) => p.action));
  for (const [key, p] of now) {
    const old = was.get(key);
    if (!old) {
      emit('broadening', 'iam', actionsWas.has(p.action) ? 'new IAM resource' : 'new IAM action', text(p));
    } else if (!old.conditions.has('')) {
      if (p.conditions.has('')) emit('broadening', 'iam', 'IAM condition removed', text(p));
      else if ([...p.conditions].some((c) => !old.conditions.has(c))) emit('broadening', 'iam', 'IAM condition changed', text(p));
    } else if (!p.conditions.has('')) {
      emit('narrowing', 'iam', 'IAM condition added', text(p));
    }
  }
  for (const [key, p] of was) if (!now.has(key)) emit('narrowing', 'iam', 'IAM grant removed', text(p));

  const denyWas = iamPairs(b, 'Deny');
  const denyNow = iamPairs(h, 'Deny');
  for (const [key, p] of denyNow) if (!denyWas.has(key)) emit('narrowing', 'iam', 'new IAM deny', text(p));
  for (const [key, p] of denyWas) if (!denyNow.has(key)) emit('broadening', 'iam', 'IAM deny removed', text(p));

  const managedWas = new Set(b.identity.managedPolicies);
  const managedNow = new Set(h.identity.managedPolicies);
  for (const m of managedNow) if (!managedWas.has(m)) emit('broadening', 'iam', 'new managed policy', cellCode(m));
  for (const m of managedWas) if (!managedNow.has(m)) emit('narrowing', 'iam', 'managed policy removed', cellCode(m));
}

const TTLS: readonly { key: keyof AgentTtls; label: string; needs: (a: AgentAccess) => boolean }[] = [
  { key: 'tokenTtl', label: 'Vault token TTL', needs: (a) => a.identity.vaultRole !== undefined },
  { key: 'tokenMaxTtl', label: 'Vault token max TTL', needs: (a) => a.identity.vaultRole !== undefined },
  { key: 'tokenExplicitMaxTtl', label: 'Vault token explicit max TTL', needs: (a) => a.identity.vaultRole !== undefined },
  { key: 'secretIdTtl', label: 'AppRole secret-id TTL', needs: (a) => a.identity.vaultRole !== undefined },
  { key: 'awsMaxSession', label: 'AWS max session', needs: (a) => a.identity.iamRole !== undefined },
  { key: 'stsDefaultTtl', label: 'STS default TTL', needs: (a) => a.ttl.stsDefaultTtl !== undefined || a.ttl.stsMaxTtl !== undefined },
  { key: 'stsMaxTtl', label: 'STS max TTL', needs: (a) => a.ttl.stsDefaultTtl !== undefined || a.ttl.stsMaxTtl !== undefined },
];

function diffTtl(b: AgentAccess, h: AgentAccess, emit: Emit): void {
  // Unset or 0 leaves the limit to Vault's or AWS's defaults: the longest there is.
  const effective = (v: number | undefined): number => (v === undefined || v === 0 ? Infinity : v);
  for (const t of TTLS) {
    if (!t.needs(b) || !t.needs(h)) continue;
    const was = effective(b.ttl[t.key]);
    const now = effective(h.ttl[t.key]);
    if (was === now) continue;
    const shown = (v: number | undefined): string => (v === undefined || v === 0 ? 'unset (no limit)' : ttlText(v));
    emit(now > was ? 'broadening' : 'narrowing', 'ttl', now > was ? 'longer TTL' : 'shorter TTL', `${t.label} ${shown(b.ttl[t.key])} → ${shown(h.ttl[t.key])}`);
  }
}

function diffTrust(b: AgentAccess, h: AgentAccess, emit: Emit, isNew: boolean): void {
  const role = cellCode(h.identity.iamRole ?? b.identity.iamRole ?? 'its IAM role');
  const setDiff = (was: readonly string[], now: readonly string[]): { added: string[]; removed: string[] } => ({
    added: now.filter((x) => !was.includes(x)),
    removed: was.filter((x) => !now.includes(x)),
  });
  const principals = setDiff(b.trust.awsPrincipals, h.trust.awsPrincipals);
  for (const p of principals.added) emit('broadening', 'trust', 'wider trust', `IAM role ${role} may be assumed by ${cellCode(p)}`);
  for (const p of principals.removed) emit('narrowing', 'trust', 'narrower trust', `IAM role ${role} no longer trusts ${cellCode(p)}`);
  if (isNew) return;

  for (const [label, was, now] of [
    ['tokens', b.trust.tokenBoundCidrs, h.trust.tokenBoundCidrs],
    ['secret-id logins', b.trust.secretIdBoundCidrs, h.trust.secretIdBoundCidrs],
  ] as const) {
    // No binding means any address: dropping the last CIDR opens the credential to the internet.
    if (was.length > 0 && now.length === 0) {
      emit('broadening', 'trust', 'wider trust', `${label} usable from any address (were bound to ${was.map(cellCode).join(', ')})`);
    } else if (was.length === 0 && now.length > 0) {
      emit('narrowing', 'trust', 'narrower trust', `${label} bound to ${now.map(cellCode).join(', ')}`);
    } else {
      const d = setDiff(was, now);
      for (const c of d.added) emit('broadening', 'trust', 'wider trust', `${label} usable from ${cellCode(c)}`);
      for (const c of d.removed) emit('narrowing', 'trust', 'narrower trust', `${label} no longer usable from ${cellCode(c)}`);
    }
  }

  const pbWas = b.trust.permissionsBoundary;
  const pbNow = h.trust.permissionsBoundary;
  if (pbWas !== pbNow) {
    if (pbNow === undefined) emit('broadening', 'trust', 'permissions boundary removed', `IAM role ${role} (was ${cellCode(pbWas!)})`);
    else if (pbWas === undefined) emit('narrowing', 'trust', 'permissions boundary added', `IAM role ${role}: ${cellCode(pbNow)}`);
    else emit('broadening', 'trust', 'permissions boundary changed', `IAM role ${role}: ${cellCode(pbWas)} → ${cellCode(pbNow)}`);
  }

  // A binding removed or changed lets more callers in; one added lets fewer.
  const bindings = setDiff(b.trust.vaultBindings, h.trust.vaultBindings);
  for (const x of bindings.removed) emit('broadening', 'trust', 'wider trust', `Vault role binding ${cellCode(x)} removed`);
  for (const x of bindings.added) emit('narrowing', 'trust', 'narrower trust', `Vault role binding ${cellCode(x)} added`);
}

function compareFrequency(was: string | undefined, now: string | undefined, what: string, emit: Emit): void {
  if (was === now) return;
  const fw = firesPerYear(was);
  const fn = firesPerYear(now);
  const grant = `${what} ${cellCode(was ?? '?')} → ${cellCode(now ?? '?')}`;
  if (fw === undefined || fn === undefined) emit('broadening', 'rotation', 'rotation changed', `${grant} (frequency not comparable)`);
  else if (fn < fw) emit('broadening', 'rotation', 'rotation less frequent', grant);
  else if (fn > fw) emit('narrowing', 'rotation', 'rotation more frequent', grant);
}

function diffRotation(b: AgentAccess, h: AgentAccess, emit: Emit): void {
  const sw = b.rotation.schedule;
  const sn = h.rotation.schedule;
  if (sw && !sn) emit('broadening', 'rotation', 'rotation removed', `schedule ${cellCode(sw.name)} (${cellCode(sw.expression ?? '?')})`);
  else if (!sw && sn) emit('narrowing', 'rotation', 'new rotation', `schedule ${cellCode(sn.name)} (${cellCode(sn.expression ?? '?')})`);
  else if (sw && sn) {
    const on = (s: typeof sw): boolean => (s.state ?? 'ENABLED') === 'ENABLED';
    if (on(sw) && !on(sn)) emit('broadening', 'rotation', 'rotation disabled', `schedule ${cellCode(sn.name)} is ${sn.state}`);
    if (!on(sw) && on(sn)) emit('narrowing', 'rotation', 'rotation enabled', `schedule ${cellCode(sn.name)}`);
    compareFrequency(sw.expression, sn.expression, `schedule ${cellCode(sn.name)}`, emit);
    if (sw.targetAgent !== sn.targetAgent)
      emit(
        'broadening',
        'rotation',
        'rotation retargeted',
        `schedule ${cellCode(sn.name)} rotates ${cellCode(sn.targetAgent ?? '?')} (was ${cellCode(sw.targetAgent ?? '?')})`,
      );
  }
  const was = new Map(b.rotation.secretRotations.map((r) => [r.secret, r.expression]));
  const now = new Map(h.rotation.secretRotations.map((r) => [r.secret, r.expression]));
  for (const [secret, expression] of was) {
    if (expression === undefined || !now.has(secret)) continue;
    const next = now.get(secret);
    if (next === undefined) emit('broadening', 'rotation', 'rotation removed', `Secrets Manager rotation of ${cellCode(secret)} (${cellCode(expression)})`);
    else compareFrequency(expression, next, `Secrets Manager rotation of ${cellCode(secret)}`, emit);
  }
  for (const [secret, expression] of now) {
    if (expression !== undefined && was.has(secret) && was.get(secret) === undefined)
      emit('narrowing', 'rotation', 'new rotation', `Secrets Manager rotation of ${cellCode(secret)} (${cellCode(expression)})`);
  }
  // A credential kept in Vault that nobody rotates any more lives until someone remembers it.
  const rotatorWas = new Map(b.secrets.flatMap((s) => (s.store === 'vault' && s.rotator ? [[s.credential, s.rotator] as const] : [])));
  for (const s of h.secrets) {
    const before = rotatorWas.get(s.credential);
    if (s.store !== 'vault' || s.rotator === undefined || before === undefined || before === s.rotator) continue;
    const grant = `${cellCode(s.credential)} rotator ${cellCode(before)} → ${cellCode(s.rotator)}`;
    if (s.rotator === 'manual') emit('broadening', 'rotation', 'rotation made manual', grant);
    else if (before === 'manual') emit('narrowing', 'rotation', 'rotation automated', grant);
    else emit('broadening', 'rotation', 'rotator changed', grant);
  }
}

/** Which way an alarm's change goes: looser (fires later or less), tighter, both, or neither. */
function alarmDirection(was: AlarmAccess, now: AlarmAccess): { looser: boolean; tighter: boolean } {
  const dirs: number[] = []; // +1 looser, -1 tighter
  const cmp = (a: number | undefined, b: number | undefined, looserWhenHigher: boolean): void => {
    if (a === undefined || b === undefined || a === b) return;
    dirs.push(b > a === looserWhenHigher ? 1 : -1);
  };
  const greater = (now.comparison ?? '').startsWith('Greater');
  if (was.comparison !== now.comparison) dirs.push(1);
  if (greater) {
    // A rate alarm fires on threshold per period: a higher rate, or more breaching periods, fires later.
    cmp(
      was.threshold !== undefined && was.period ? was.threshold / was.period : undefined,
      now.threshold !== undefined && now.period ? now.threshold / now.period : undefined,
      true,
    );
  } else {
    // A silence alarm fires after period × datapoints without enough calls: longer silence, or a lower floor, fires later.
    cmp(was.threshold, now.threshold, false);
    cmp(
      was.period !== undefined ? was.period * (was.datapointsToAlarm ?? was.evaluationPeriods ?? 1) : undefined,
      now.period !== undefined ? now.period * (now.datapointsToAlarm ?? now.evaluationPeriods ?? 1) : undefined,
      true,
    );
  }
  if (greater) cmp(was.datapointsToAlarm ?? was.evaluationPeriods, now.datapointsToAlarm ?? now.evaluationPeriods, true);
  if (was.watches !== now.watches) dirs.push(1);
  return { looser: dirs.includes(1), tighter: dirs.includes(-1) };
}

function diffAlarms(was: readonly AlarmAccess[], now: readonly AlarmAccess[], emit: Emit): void {
  const before = new Map(was.map((a) => [a.kind, a]));
  const after = new Map(now.map((a) => [a.kind, a]));
  for (const [kind, a] of before) if (!after.has(kind)) emit('broadening', 'alarm', 'alarm removed', `${cellCode(kind)} alarm ${cellCode(a.name)}`);
  for (const [kind, a] of after) if (!before.has(kind)) emit('narrowing', 'alarm', 'new alarm', `${cellCode(kind)} alarm ${cellCode(a.name)}`);
  for (const [kind, n] of after) {
    const w = before.get(kind);
    if (!w) continue;
    const dir = alarmDirection(w, n);
    const grant = `${cellCode(kind)}: ${cell(alarmCondition(w))} → ${cell(alarmCondition(n))}`;
    if (dir.looser) emit('broadening', 'alarm', 'alarm loosened', grant);
    else if (dir.tighter) emit('narrowing', 'alarm', 'alarm tightened', grant);
    const actsWas = w.actionsEnabled ? w.actions : [];
    const actsNow = n.actionsEnabled ? n.actions : [];
    if (w.actionsEnabled && !n.actionsEnabled && w.actions.length > 0) {
      emit('broadening', 'alarm', 'alarm actions disabled', `${cellCode(kind)} no longer acts on ${w.actions.map(cellCode).join(', ')}`);
    } else {
      for (const x of actsWas)
        if (!actsNow.includes(x)) emit('broadening', 'alarm', 'alarm action removed', `${cellCode(kind)} no longer notifies ${cellCode(x)}`);
    }
    for (const x of actsNow) if (!actsWas.includes(x)) emit('narrowing', 'alarm', 'alarm action added', `${cellCode(kind)} also notifies ${cellCode(x)}`);
  }
}
