/**
 * IAM policy documents (trust policies and session policies) in the subset the
 * devstack evaluates. Parsing is strict: what the devstack cannot evaluate is an
 * error, never silently ignored (failing open would hide a wrong trust policy).
 * Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
export interface PolicyDocument {
  statements: PolicyStatement[];
}

export interface PolicyStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** `undefined` in identity-style documents (session policies) that name no principal. */
  principal?: PrincipalSpec;
  actions: { not: boolean; patterns: string[] };
  /** `Resource`/`NotResource`; `undefined` when the statement names none (trust policies). */
  resources?: { not: boolean; patterns: string[] };
  conditions: PolicyCondition[];
}

export type PrincipalSpec = '*' | { AWS: string[]; Federated: string[]; Service: string[] };

export interface PolicyCondition {
  operator: ConditionOperator;
  qualifier?: 'ForAnyValue' | 'ForAllValues';
  ifExists: boolean;
  /** The context key, lower-cased (IAM keys are case-insensitive). */
  key: string;
  values: string[];
}

export const CONDITION_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** Thrown for a document that is not valid JSON or not a policy the devstack understands. */
export class PolicySyntaxError extends Error {}

/** Parses a policy document from JSON text or an already-parsed object. */
export function parsePolicyDocument(input: unknown, { requirePrincipal }: { requirePrincipal: boolean }): PolicyDocument {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch {
      throw new PolicySyntaxError('Syntax errors in policy.');
    }
  }
  if (!isRecord(doc)) throw new PolicySyntaxError('The policy is not a JSON object.');
  for (const key of Object.keys(doc)) {
    if (!['Version', 'Id', 'Statement'].includes(key)) throw new PolicySyntaxError(`Unknown field ${key}`);
  }
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17')
    throw new PolicySyntaxError('The policy must contain a valid version string');
  const raw = doc.Statement;
  const list = Array.isArray(raw) ? (raw as unknown[]) : raw === undefined ? [] : [raw];
  if (list.length === 0) throw new PolicySyntaxError('Missing required field Statement');
  return { statements: list.map((statement, index) => parseStatement(statement, index, requirePrincipal)) };
}

function parseStatement(raw: unknown, index: number, requirePrincipal: boolean): PolicyStatement {
  const where = `Statement ${String(index + 1)}`;
  if (!isRecord(raw)) throw new PolicySyntaxError(`${where} is not an object`);
  for (const key of Object.keys(raw)) {
    if (key === 'NotPrincipal') throw new PolicySyntaxError(`${where}: NotPrincipal is not supported by the devstack`);
    if (!['Sid', 'Effect', 'Principal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'].includes(key))
      throw new PolicySyntaxError(`${where}: unknown field ${key}`);
  }
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') throw new PolicySyntaxError(`${where}: Effect must be Allow or Deny`);
  const hasAction = raw.Action !== undefined;
  if (hasAction === (raw.NotAction !== undefined)) throw new PolicySyntaxError(`${where}: exactly one of Action or NotAction is required`);
  if (raw.Resource !== undefined && raw.NotResource !== undefined)
    throw new PolicySyntaxError(`${where}: Resource and NotResource cannot both be given`);
  const resourceField = raw.Resource ?? raw.NotResource;
  const principal = raw.Principal === undefined ? undefined : parsePrincipal(raw.Principal, where);
  if (requirePrincipal && principal === undefined) throw new PolicySyntaxError(`${where}: Missing required field Principal`);
  return {
    ...(typeof raw.Sid === 'string' ? { sid: raw.Sid } : {}),
    effect: raw.Effect,
    ...(principal ? { principal } : {}),
    actions: { not: !hasAction, patterns: stringList(hasAction ? raw.Action : raw.NotAction, `${where}: Action`) },
    ...(resourceField !== undefined
      ? { resources: { not: raw.Resource === undefined, patterns: stringList(resourceField, `${where}: Resource`) } }
      : {}),
    conditions: raw.Condition === undefined ? [] : parseConditions(raw.Condition, where),
  };
}

function parsePrincipal(raw: unknown, where: string): PrincipalSpec {
  if (raw === '*') return '*';
  if (!isRecord(raw)) throw new PolicySyntaxError(`${where}: Principal must be "*" or an object`);
  const spec = { AWS: [] as string[], Federated: [] as string[], Service: [] as string[] };
  for (const [type, value] of Object.entries(raw)) {
    if (type !== 'AWS' && type !== 'Federated' && type !== 'Service')
      throw new PolicySyntaxError(`${where}: Principal type ${type} is not supported by the devstack`);
    spec[type] = stringList(value, `${where}: Principal.${type}`);
  }
  return spec;
}

function parseConditions(raw: unknown, where: string): PolicyCondition[] {
  if (!isRecord(raw)) throw new PolicySyntaxError(`${where}: Condition must be an object`);
  const conditions: PolicyCondition[] = [];
  for (const [fullOperator, block] of Object.entries(raw)) {
    const match = /^(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?$/.exec(fullOperator);
    const operator = match?.[2] as ConditionOperator | undefined;
    if (!match || !operator || !(CONDITION_OPERATORS as readonly string[]).includes(operator))
      throw new PolicySyntaxError(`${where}: condition operator ${fullOperator} is not supported`);
    if (!isRecord(block)) throw new PolicySyntaxError(`${where}: condition ${fullOperator} must map keys to values`);
    for (const [key, values] of Object.entries(block)) {
      conditions.push({
        operator,
        ...(match[1] ? { qualifier: match[1] as 'ForAnyValue' | 'ForAllValues' } : {}),
        ifExists: match[3] !== undefined,
        key: key.toLowerCase(),
        values: stringList(values, `${where}: ${fullOperator}.${key}`, true),
      });
    }
  }
  return conditions;
}

function stringList(value: unknown, where: string, scalars = false): string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) throw new PolicySyntaxError(`${where} must not be empty`);
  return list.map((item) => {
    if (typeof item === 'string') return item;
    if (scalars && (typeof item === 'number' || typeof item === 'boolean')) return String(item);
    throw new PolicySyntaxError(`${where} must be a string or a list of strings`);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
