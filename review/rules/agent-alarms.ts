import { USE_ALARMS } from '../../model/operations';
import { agentNames, alarmMetricOf, alarmsOf, strings } from '../private/agent-resources';
import { stackViews } from '../terraform';
import { findingsFor } from './private/findings';
import { Finding, Rule } from './rule';

const ID = 'agent-alarms';

/** Every agent is watched by its call-rate, denied-rate and orphan alarms, each acting. */
export const agentAlarms: Rule = {
  id: ID,
  name: 'Rate, denied and orphan alarms with actions',
  compliant: `Every agent has the ${USE_ALARMS.join(', ')} alarms (named scoped-agents/<fleet>/<agent>/<kind>), each watching that agent, with actions enabled and at least one alarm action.`,
  explanation:
    'These three alarms are what revokes an agent automatically: a runaway or stolen credential (call rate), an agent probing beyond its ' +
    'scopes, the prompt-injection signal (denied rate), and a credential that outlived its use (orphan). An alarm without actions only changes colour.',
  controls: { soc2: ['CC7.2', 'CC7.3', 'CC7.4'], iso27001: ['A.8.15', 'A.8.16', 'A.5.26'], nist80053: ['AC-2(12)', 'AU-6', 'SI-4', 'IR-4'] },
  evaluate(output) {
    const out: Finding[] = [];
    for (const view of stackViews(output)) {
      const f = findingsFor(ID, view);
      for (const agent of agentNames(view)) {
        const alarms = alarmsOf(view, agent);
        for (const kind of USE_ALARMS) {
          const matching = alarms.filter((a) => a.kind === kind);
          if (matching.length === 0) {
            out.push(
              f.missing(agent, {
                grant: `${kind} alarm`,
                message: `agent ${agent} has no ${kind} alarm`,
                fix: 'synthesize the agent with its alarms (alarms: in the table)',
              }),
            );
            continue;
          }
          for (const { block, name } of matching) {
            if (block.body.actions_enabled === false)
              out.push(f.at(block, { agent, grant: `${kind} alarm`, message: `alarm ${name} has its actions disabled`, fix: 'set actions_enabled = true' }));
            if (strings(block.body.alarm_actions).length === 0)
              out.push(
                f.at(block, {
                  agent,
                  grant: `${kind} alarm`,
                  message: `alarm ${name} has no alarm action`,
                  fix: "notify the fleet's alarm topic, which the revoke function subscribes to",
                }),
              );
            const watches = alarmMetricOf(view, block.body).watches;
            if (watches !== agent)
              out.push(
                f.at(block, {
                  agent,
                  grant: `${kind} alarm`,
                  message: `alarm ${name} watches ${watches === undefined ? 'no agent' : `agent ${String(watches)}`}`,
                  fix: `set the dimension Agent = ${agent}`,
                }),
              );
          }
        }
      }
    }
    return out;
  },
};
