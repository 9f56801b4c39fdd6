import { agentResourceName } from '../../model/fleet';
import { agentNames, credentialSecretsOf, named, secretRotationOf } from '../private/agent-resources';
import { stackViews } from '../terraform';
import { findingsFor } from './private/findings';
import { Finding, Rule } from './rule';

const ID = 'rotation-scheduled';

/** Every credential is rotated on a schedule. */
export const rotationScheduled: Rule = {
  id: ID,
  name: 'Rotation scheduled for every credential',
  compliant:
    'Every agent has an enabled EventBridge Scheduler schedule `agent-<name>` with an expression, whose target input names that agent, ' +
    'and every agent credential kept in Secrets Manager has a rotation rule.',
  explanation:
    'The schedule runs the rotate function, which issues the agent a new AppRole secret-id and rotates its SaaS tokens kept in Vault; ' +
    'credentials kept in Secrets Manager are rotated by their own rotation rule. Without either, a credential lives until someone remembers it.',
  controls: { soc2: ['CC6.1'], iso27001: ['A.5.17'], nist80053: ['IA-5', 'IA-5(1)', 'SC-12'] },
  evaluate(output) {
    const out: Finding[] = [];
    for (const view of stackViews(output)) {
      const f = findingsFor(ID, view);
      for (const agent of agentNames(view)) {
        const name = agentResourceName({ name: agent });
        const schedule = named(view, 'aws_scheduler_schedule', 'name', name);
        if (!schedule) {
          out.push(
            f.missing(agent, {
              grant: `schedule ${name}`,
              message: `agent ${agent} has no rotation schedule ${name}`,
              fix: 'give the agent a rotation expression (rotation: in the table) and synthesize again',
            }),
          );
        } else {
          const state = view.literal(schedule.body.state) ?? 'ENABLED';
          if (state !== 'ENABLED')
            out.push(f.at(schedule, { agent, grant: `state ${state}`, message: `rotation schedule ${name} is ${state}`, fix: 'set state = ENABLED' }));
          if (typeof schedule.body.schedule_expression !== 'string' || schedule.body.schedule_expression === '') {
            out.push(
              f.at(schedule, {
                agent,
                message: `rotation schedule ${name} has no schedule expression`,
                fix: 'set schedule_expression, e.g. cron(0 3 * * ? *)',
              }),
            );
          }
          const target = (Array.isArray(schedule.body.target) ? schedule.body.target[0] : schedule.body.target) as { input?: unknown } | undefined;
          let named_: unknown;
          try {
            named_ = typeof target?.input === 'string' ? (JSON.parse(target.input) as { agent?: unknown }).agent : undefined;
          } catch {
            named_ = undefined;
          }
          if (named_ !== agent)
            out.push(
              f.at(schedule, {
                agent,
                grant: `target input agent ${String(named_)}`,
                message: `rotation schedule ${name} does not rotate ${agent} (its target input names ${named_ === undefined ? 'no agent' : String(named_)})`,
                fix: `send the rotate function {"action":"rotate","agent":"${agent}"}`,
              }),
            );
        }
        for (const s of credentialSecretsOf(view, agent)) {
          if (secretRotationOf(view, s.block) === undefined) {
            out.push(
              f.at(s.block, {
                agent,
                grant: s.name,
                message: `Secrets Manager secret ${s.name} has no rotation rule`,
                fix: 'add an aws_secretsmanager_secret_rotation calling the rotate function',
              }),
            );
          }
        }
      }
    }
    return out;
  },
};
