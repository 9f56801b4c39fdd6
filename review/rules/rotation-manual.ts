import { accessMatrix } from '../access-matrix';
import { stackViews } from '../terraform';
import { findingsFor } from './private/findings';
import { Finding, Rule } from './rule';

const ID = 'rotation-manual';

/** No credential is left to be rotated by hand. */
export const rotationManual: Rule = {
  id: ID,
  name: 'No credential rotated by hand',
  compliant: 'Every SaaS credential an agent keeps in Vault has an automated rotator in the rotate function’s CREDENTIALS (not `manual`).',
  explanation:
    'A credential with rotator `manual` is only reported by the nightly job: it lives until a person rotates it at the provider. ' +
    'Built-in providers that document a rotation get one by default; one written out as `manual` is a decision, which this rule asks to record ' +
    'as an accepted exception with its reason (a suppression), so it is reviewed rather than forgotten.',
  controls: { soc2: ['CC6.1'], iso27001: ['A.5.17'], nist80053: ['IA-5(1)', 'SC-12'] },
  evaluate(output) {
    const out: Finding[] = [];
    const views = new Map(stackViews(output).map((v) => [v.name, v]));
    for (const agent of accessMatrix(output).agents) {
      const view = views.get(agent.stack);
      if (!view) continue;
      for (const s of agent.secrets) {
        if (s.store !== 'vault' || s.rotator !== 'manual') continue;
        out.push(
          findingsFor(ID, view).missing(agent.name, {
            grant: `credential ${s.credential}`,
            message: `credential ${s.credential} of agent ${agent.name} (${s.location}) is rotated by hand: nothing rotates it`,
            fix: `give credentials.${s.credential} a rotator (oauth2-refresh, sendgrid-api-key), or accept it with a suppression saying why`,
          }),
        );
      }
    }
    return out;
  },
};
