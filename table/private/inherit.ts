import { parseDuration, formatDuration } from '../../model/duration';
import { AlarmThresholds, LIMITS } from '../../model/fleet';
import { Platform } from '../../model/fleet';
import { DefaultsInput } from '../schema';
import { DocPath } from '../table-source';
import { arnShapeProblem } from '../../model/arn';
import { cidrProblem, scheduleProblem } from './checks';

/** The inheritable settings once resolved: every value present and checked. */
export interface ResolvedSettings {
  readonly owner?: string;
  readonly platform: Platform;
  readonly credentialTtl: number;
  readonly credentialMaxTtl: number;
  readonly secretIdTtl: number;
  readonly rotation: string;
  readonly alarms: AlarmThresholds;
  readonly boundCidrs: readonly string[];
  readonly permissionsBoundary?: string;
}

/** A problem found while resolving, before the caller locates it. */
export interface SettingProblem {
  readonly rule: string;
  readonly path: DocPath;
  /** Locate the map key at `path` (a scope's name) rather than its value. */
  readonly key?: boolean;
  readonly value?: string;
  readonly message: string;
  readonly fix: string;
}

/**
 * Applies `input` (from `defaults:` or one agent) over `base`, checking each
 * value `input` gives. A value that fails its check is reported and the base
 * value kept, so one bad default is reported once, not once per agent.
 */
export function inherit(input: DefaultsInput, base: ResolvedSettings, at: DocPath): { settings: ResolvedSettings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const duration = (key: 'credentialTtl' | 'credentialMaxTtl' | 'secretIdTtl'): number => {
    const raw = input[key];
    if (raw === undefined) return base[key];
    const seconds = parseDuration(raw);
    if (seconds === undefined) {
      problems.push({
        rule: 'invalid-duration',
        path: [...at, key],
        value: String(raw),
        message: `${key} is not a duration`,
        fix: 'write a duration such as "15m", "1h" or "1h30m"',
      });
      return base[key];
    }
    return seconds;
  };

  const settings: ResolvedSettings = {
    owner: input.owner ?? base.owner,
    platform: input.platform ?? base.platform,
    credentialTtl: duration('credentialTtl'),
    credentialMaxTtl: duration('credentialMaxTtl'),
    secretIdTtl: duration('secretIdTtl'),
    rotation: input.rotation ?? base.rotation,
    alarms: { ...base.alarms, ...input.alarms },
    boundCidrs: input.boundCidrs ? [...new Set(input.boundCidrs)].sort() : base.boundCidrs,
    permissionsBoundary: input.permissionsBoundary ?? base.permissionsBoundary,
  };

  if (input.alarms?.orphanAfterHours !== undefined && input.alarms.orphanAfterHours > LIMITS.orphanAfterHours) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'alarms', 'orphanAfterHours'],
      value: String(input.alarms.orphanAfterHours),
      message: `orphanAfterHours is above ${LIMITS.orphanAfterHours}, the longest span a CloudWatch alarm evaluates`,
      fix: `use at most ${LIMITS.orphanAfterHours} hours (7 days)`,
    });
  }
  // The owner becomes an IAM tag value and KV metadata: keep to what both accept.
  if (input.owner !== undefined && !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u.test(input.owner)) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'owner'],
      value: input.owner,
      message: 'owner has characters an AWS tag value does not allow, or is longer than 256',
      fix: 'write a team address or name, e.g. growth@acme.example',
    });
  }
  if (input.rotation !== undefined) {
    const why = scheduleProblem(input.rotation);
    if (why) {
      problems.push({
        rule: 'invalid-schedule',
        path: [...at, 'rotation'],
        value: input.rotation,
        message: `rotation schedule ${why}`,
        fix: 'write an EventBridge schedule such as "cron(0 3 * * ? *)" (nightly at 03:00 UTC) or "rate(12 hours)"',
      });
    }
  }
  (input.boundCidrs ?? []).forEach((cidr, i) => {
    const why = cidrProblem(cidr);
    if (why) {
      problems.push({
        rule: 'invalid-cidr',
        path: [...at, 'boundCidrs', i],
        value: cidr,
        message: `bound CIDR ${why}`,
        fix: 'write a CIDR block such as 10.20.0.0/16',
      });
    }
  });
  if (input.permissionsBoundary !== undefined) {
    const why =
      arnShapeProblem(input.permissionsBoundary) ??
      (/^arn:[^:]+:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/.test(input.permissionsBoundary) ? undefined : 'is not an IAM managed policy ARN');
    if (why) {
      problems.push({
        rule: 'invalid-arn',
        path: [...at, 'permissionsBoundary'],
        value: input.permissionsBoundary,
        message: `permissions boundary ${why}`,
        fix: 'write a managed policy ARN such as arn:aws:iam::123456789012:policy/agent-boundary',
      });
    }
  }

  // Ceilings are checked where a TTL is written (and parses), so an inherited TTL is judged once, at defaults.
  const given = (key: 'credentialTtl' | 'credentialMaxTtl'): boolean => input[key] !== undefined && parseDuration(input[key]) !== undefined;
  if (given('credentialTtl') && settings.credentialTtl > LIMITS.credentialTtl) {
    problems.push({
      rule: 'ttl-ceiling',
      path: [...at, 'credentialTtl'],
      value: String(input.credentialTtl),
      message: `credentialTtl is above the ${formatDuration(LIMITS.credentialTtl)} ceiling`,
      fix: 'use a TTL of 1h or less; agents log in again when their token expires',
    });
  }
  if (given('credentialMaxTtl') && settings.credentialMaxTtl > LIMITS.credentialMaxTtl) {
    problems.push({
      rule: 'ttl-ceiling',
      path: [...at, 'credentialMaxTtl'],
      value: String(input.credentialMaxTtl),
      message: `credentialMaxTtl is above the ${formatDuration(LIMITS.credentialMaxTtl)} ceiling`,
      fix: 'use a max TTL of 12h or less',
    });
  }
  // A TTL above its ceiling is already reported; raising the max to match it would not be the fix.
  if (
    (given('credentialTtl') || given('credentialMaxTtl')) &&
    settings.credentialTtl <= LIMITS.credentialTtl &&
    settings.credentialMaxTtl < settings.credentialTtl
  ) {
    const key = given('credentialMaxTtl') ? 'credentialMaxTtl' : 'credentialTtl';
    problems.push({
      rule: 'ttl-order',
      path: [...at, key],
      value: String(input[key]),
      message: `credentialMaxTtl (${formatDuration(settings.credentialMaxTtl)}) is below credentialTtl (${formatDuration(settings.credentialTtl)})`,
      fix: 'make credentialMaxTtl at least credentialTtl',
    });
  }
  return { settings, problems };
}
