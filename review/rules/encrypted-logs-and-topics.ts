import { agentOfName } from '../private/agent-resources';
import { stackViews } from '../terraform';
import { findingsFor } from './private/findings';
import { Finding, Rule } from './rule';

const ID = 'encrypted-logs-and-topics';

/** Where each type keeps its customer-managed key. */
const KEY_ARGUMENT: Record<string, string> = {
  aws_cloudwatch_log_group: 'kms_key_id',
  aws_sns_topic: 'kms_master_key_id',
};

/** Call logs and alarm topics are encrypted with a customer-managed KMS key. */
export const encryptedLogsAndTopics: Rule = {
  id: ID,
  name: 'Encrypted log groups and topics',
  compliant: 'Every CloudWatch log group sets kms_key_id and every SNS topic sets kms_master_key_id.',
  explanation:
    'Call logs name every endpoint each agent called and alarm messages name the agent being revoked: evidence that must be protected ' +
    'at rest with a key whose use is itself logged, and that the fleet can revoke access to.',
  controls: { soc2: ['CC6.1', 'CC6.7'], iso27001: ['A.8.24', 'A.8.15'], nist80053: ['SC-28', 'SC-28(1)', 'AU-9'] },
  evaluate(output) {
    const out: Finding[] = [];
    for (const view of stackViews(output)) {
      const f = findingsFor(ID, view);
      for (const [type, arg] of Object.entries(KEY_ARGUMENT)) {
        for (const block of view.resources(type)) {
          const key = block.body[arg];
          if (typeof key === 'string' && key.trim() !== '') continue;
          const name = view.nameOf(block) ?? '';
          const agent = /\/agents\/([a-z0-9-]+)$/.exec(name)?.[1] ?? agentOfName(name);
          out.push(
            f.at(block, {
              agent,
              grant: arg,
              message: `${view.label(block)} sets no ${arg}, so it is not encrypted with the fleet key`,
              fix: `set ${arg} to the fleet key's ARN`,
            }),
          );
        }
      }
    }
    return out;
  },
};
