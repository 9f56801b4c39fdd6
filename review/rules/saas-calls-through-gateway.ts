import { accessMatrix } from '../access-matrix';
import { kvEntriesOf, secretsManagerSecretsOf } from '../private/agent-resources';
import { stackViews } from '../terraform';
import { findingsFor } from './private/findings';
import { Finding, Rule } from './rule';

const ID = 'saas-calls-through-gateway';

/** In a fleet with a gateway, every agent's SaaS calls go through it: none holds a provider credential itself. */
export const saasCallsThroughGateway: Rule = {
  id: ID,
  name: 'SaaS calls through the gateway',
  compliant:
    "In a stack with the fleet's gateway (the `<fleet>-gateway` function), no agent holds a SaaS credential itself: each one its scopes name is " +
    "read only by the gateway, which injects it into the agent's calls. An agent left to call directly (`gateway: false`) is a finding to suppress with its reason.",
  explanation:
    'An agent that holds its provider key calls the provider unseen: no gateway holds it to its endpoints or its rate, writes its call log or refuses it once revoked, ' +
    'and a key copied out of it keeps working after the agent is revoked. A stack without a gateway (no scope grants http: endpoints) is not judged here.',
  controls: { soc2: ['CC6.1', 'CC6.3', 'CC7.2'], iso27001: ['A.5.15', 'A.8.15', 'A.8.16'], nist80053: ['AC-6', 'AU-2', 'AU-12', 'SC-7'] },
  evaluate(output) {
    const out: Finding[] = [];
    const matrix = accessMatrix(output);
    for (const view of stackViews(output)) {
      const gateway = view.resources('aws_lambda_function').some((f) => /-gateway$/.test(view.literal(f.body.function_name) ?? ''));
      if (!gateway) continue;
      const f = findingsFor(ID, view);
      for (const agent of matrix.agents.filter((a) => a.stack === view.name && a.direct.length > 0)) {
        for (const credential of agent.direct) {
          const block =
            kvEntriesOf(view, agent.name).find((e) => e.secret === credential)?.block ??
            secretsManagerSecretsOf(view, agent.name).find((s) => s.secret === credential)?.block;
          const finding = {
            agent: agent.name,
            grant: `${credential} credential`,
            message: `agent ${agent.name} holds its ${credential} credential itself and calls that provider directly: no gateway checks, limits or logs those calls`,
            fix: `give the scopes that name ${credential} http: endpoints and remove gateway: false, or suppress this with the reason it must call directly`,
          };
          out.push(block ? f.at(block, finding) : f.missing(agent.name, finding));
        }
      }
    }
    return out;
  },
};
