import { Fn, IResolvable, TerraformVariable } from 'cdktf';

/**
 * A variable validation's condition: the variable's value matches `pattern`
 * (RE2, as Terraform's `regex`).
 *
 * Built from tokens, not written as text: in Terraform's JSON syntax a plain
 * string is a literal, and Terraform refuses a condition that does not refer
 * to the variable (`Invalid validation expression`).
 */
export function matches(variable: TerraformVariable, pattern: string): IResolvable {
  return Fn.can(Fn.regex(pattern, variable.stringValue));
}
