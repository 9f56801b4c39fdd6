import { Testing } from 'cdktf';
import { Fleet } from '../model';
import { FleetStack } from '../stacks/fleet-stack';

/** Synthesized Terraform JSON of one stack. */
export interface TerraformJson {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  variable?: Record<string, Record<string, unknown>>;
  provider?: Record<string, unknown>;
  terraform?: Record<string, unknown>;
}

/** Synthesizes a fleet with validations on (`Testing.synth(stack, true)`). */
export function synthFleet(fleet: Fleet): { json: string; tf: TerraformJson } {
  const app = Testing.app();
  const stack = new FleetStack(app, 'test', { fleet });
  const json = Testing.synth(stack, true);
  return { json, tf: JSON.parse(json) as TerraformJson };
}

/** Every resource of a type, by its `name`-like attribute (`name`, `role_name` or `path`). */
export function byName(tf: TerraformJson, type: string, attribute = 'name'): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [id, body] of Object.entries(tf.resource[type] ?? {})) {
    out[String(body[attribute])] = { ...body, '//id': id };
  }
  return out;
}

/** Resolves `${type.id.attr}` to the referenced resource's attribute value when it is a literal. */
export function deref(tf: TerraformJson, expression: string): unknown {
  const m = /^\$\{([a-z0-9_]+)\.([^.}]+)\.([a-z_]+)\}$/.exec(expression);
  if (!m) return expression;
  return tf.resource[m[1]]?.[m[2]]?.[m[3]];
}

/** `${<type>.<id>.<attr>}` of the resource of that type whose `nameAttr` is `name`. */
export function ref(tf: TerraformJson, type: string, name: string, attr = 'arn', nameAttr = 'name'): string {
  const body = byName(tf, type, nameAttr)[name];
  if (!body) throw new Error(`no ${type} named ${name}`);
  return `\${${type}.${String(body['//id'])}.${attr}}`;
}
