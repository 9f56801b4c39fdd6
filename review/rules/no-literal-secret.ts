import { stackViews, stringsIn } from '../terraform';
import { agentOfName } from '../private/agent-resources';
import { findingsFor } from './private/findings';
import { redact, SECRET_ARGUMENT, SECRET_PATTERNS } from '../../model/secret-patterns';
import { Finding, Rule } from './rule';
import { byCodeUnit } from '../private/order';

const ID = 'no-literal-secret';

/** Arguments that put a secret's value into Terraform state, whatever they are set to. */
const STATEFUL_SECRET_ARGUMENTS: Record<string, readonly string[]> = {
  vault_kv_secret_v2: ['data_json'],
  vault_kv_secret: ['data_json'],
  vault_generic_secret: ['data_json'],
  aws_secretsmanager_secret_version: ['secret_string', 'secret_binary'],
};

/** No secret value is written in the synthesized output or stored in Terraform state. */
export const noLiteralSecret: Rule = {
  id: ID,
  name: 'No literal secret value',
  compliant:
    'No secret value passes through Terraform: no `data_json` on Vault KV entries, no `secret_string`/`secret_binary` on Secrets Manager versions, ' +
    'write-only values (`*_wo`) and secret-named arguments only from references, no default on a sensitive variable, and no token- or key-shaped literal anywhere.',
  explanation:
    'Whatever Terraform JSON holds is in the repository and the plan; whatever a non-write-only argument holds is in the state file. ' +
    'Credentials reach their entries through write-only arguments fed by ephemeral variables, or are written by the rotation function. ' +
    'Literals are matched against the documented shapes of AWS, Vault, GitHub, Slack, SendGrid, OpenAI, Anthropic, Stripe, HubSpot and Google ' +
    'credentials, private keys and JWTs; findings show a redacted prefix, never the value.',
  controls: { soc2: ['CC6.1', 'CC6.7'], iso27001: ['A.5.17', 'A.8.12'], nist80053: ['IA-5(7)', 'SC-28'] },
  evaluate(output) {
    const out: Finding[] = [];
    for (const view of stackViews(output)) {
      const f = findingsFor(ID, view);
      for (const block of view.blocks()) {
        const agent = agentOfName(view.nameOf(block)) ?? ((block.body.tags as Record<string, string> | undefined)?.agent || undefined);
        for (const arg of STATEFUL_SECRET_ARGUMENTS[block.type] ?? []) {
          if (block.body[arg] !== undefined)
            out.push(
              f.at(block, {
                agent,
                grant: arg,
                message: `${view.label(block)} sets ${arg}, which stores the secret's value in Terraform state`,
                fix: `use ${arg === 'secret_binary' ? 'secret_string_wo' : `${arg}_wo`} from an ephemeral variable, or let the rotation function write the value`,
              }),
            );
        }
        for (const { path, text } of stringsIn(block.body)) {
          const key =
            path
              .replace(/\[\d+\]/g, '')
              .split('.')
              .pop() ?? '';
          const literal = text !== '' && !/^\$\{[^{}]*\}$/.test(text.trim()) && !/^\{\s*\}$/.test(text.trim());
          if (literal && (key.endsWith('_wo') || (SECRET_ARGUMENT.test(key) && !STATEFUL_SECRET_ARGUMENTS[block.type]?.includes(key)))) {
            out.push(
              f.at(block, {
                agent,
                grant: path,
                message: `${view.label(block)}: ${path} is a literal (${redact(text)})`,
                fix: 'pass the value through an ephemeral variable, never written in the table or the code',
              }),
            );
            continue;
          }
          for (const { name, pattern } of SECRET_PATTERNS) {
            const m = pattern.exec(text);
            if (m)
              out.push(
                f.at(block, {
                  agent,
                  grant: path,
                  message: `${view.label(block)}: ${path} holds what looks like a ${name} (${redact(m[0])})`,
                  fix: 'remove it and revoke it at its issuer: it is in the repository; pass credentials through ephemeral variables',
                }),
              );
          }
        }
      }
      const variables = (view.stack.json.variable ?? {}) as Record<string, Record<string, unknown>>;
      for (const [name, v] of Object.entries(variables).sort(([a], [b]) => byCodeUnit(a, b))) {
        const d = v.default;
        const empty =
          d === undefined ||
          d === null ||
          d === '' ||
          (typeof d === 'string' && /^\s*(\{\s*\}|\[\s*\])\s*$/.test(d)) ||
          (typeof d === 'object' && Object.keys(d as object).length === 0);
        const resource = `variable/${name}`;
        if (v.sensitive === true && !empty) {
          out.push({
            rule: ID,
            stack: view.name,
            file: view.file,
            resource,
            grant: 'default',
            message: `sensitive variable ${name} has a default (${redact(JSON.stringify(d))})`,
            fix: 'remove the default; set the value with TF_VAR_… at apply time',
          });
        }
        for (const { path, text } of stringsIn(v)) {
          for (const { name: kind, pattern } of SECRET_PATTERNS) {
            const m = pattern.exec(text);
            if (m)
              out.push({
                rule: ID,
                stack: view.name,
                file: view.file,
                resource,
                grant: path,
                message: `variable ${name}: ${path} holds what looks like a ${kind} (${redact(m[0])})`,
                fix: 'remove it and revoke it at its issuer',
              });
          }
        }
      }
      for (const block of ['provider', 'output', 'locals'] as const) {
        for (const { path, text } of stringsIn(view.stack.json[block] ?? {})) {
          const key =
            path
              .replace(/\[\d+\]/g, '')
              .split('.')
              .pop() ?? '';
          const literal = text !== '' && !text.includes('${');
          const shape = SECRET_PATTERNS.find((p) => p.pattern.test(text));
          if ((literal && SECRET_ARGUMENT.test(key)) || shape) {
            out.push({
              rule: ID,
              stack: view.name,
              file: view.file,
              resource: `${block}/${path.split(/[.[]/)[0]}`,
              grant: path,
              message: `${block} ${path} is a literal secret (${redact(text)})`,
              fix: 'configure credentials through the environment (VAULT_TOKEN, the AWS credential chain), never in code',
            });
          }
        }
      }
    }
    return out;
  },
};
