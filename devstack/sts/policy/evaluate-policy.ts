import type { PolicyCondition, PolicyDocument, PolicyStatement, PrincipalSpec } from './policy-document.js';

/** Who is asking, as a trust policy's Principal element sees it. */
export interface RequestPrincipal {
  type: 'AWS' | 'Federated';
  /** Every identifier that names this principal (e.g. a session ARN, its role ARN, the account root). */
  ids: string[];
}

/** Context keys (lower-cased) to their values; multi-valued keys have several. */
export type RequestContext = ReadonlyMap<string, readonly string[]>;

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

export interface PolicyRequest {
  action: string;
  principal?: RequestPrincipal;
  /** The resource ARN; identity policies match their Resource element against it (trust policies name none). */
  resource?: string;
  context: RequestContext;
}

/**
 * IAM's evaluation for one action: an explicit Deny wins, otherwise one matching
 * Allow suffices. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
export function evaluatePolicy(policy: PolicyDocument, request: PolicyRequest): Decision {
  let allowed = false;
  for (const statement of policy.statements) {
    if (!statementApplies(statement, request)) continue;
    if (statement.effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

function statementApplies(statement: PolicyStatement, request: PolicyRequest): boolean {
  const actionMatches = statement.actions.patterns.some((pattern) => globMatch(pattern, request.action, true));
  if (actionMatches === statement.actions.not) return false;
  if (statement.resources !== undefined && request.resource !== undefined) {
    const resource = request.resource;
    const resourceMatches = statement.resources.patterns.some((pattern) => globMatch(pattern, resource, false));
    if (resourceMatches === statement.resources.not) return false;
  }
  if (statement.principal !== undefined && (!request.principal || !principalMatches(statement.principal, request.principal))) return false;
  return statement.conditions.every((condition) => conditionHolds(condition, request.context));
}

function principalMatches(spec: PrincipalSpec, principal: RequestPrincipal): boolean {
  if (spec === '*') return true;
  const named = spec[principal.type].map((id) => (principal.type === 'AWS' && /^\d{12}$/.test(id) ? `arn:aws:iam::${id}:root` : id));
  if (principal.type === 'AWS' && named.includes('*')) return true;
  return named.some((id) => principal.ids.includes(id));
}

function conditionHolds(condition: PolicyCondition, context: RequestContext): boolean {
  const values = context.get(condition.key);
  if (condition.operator === 'Null') {
    const absent = values === undefined || values.length === 0;
    return condition.values.some((v) => (v.toLowerCase() === 'true') === absent);
  }
  const negated = /Not/.test(condition.operator);
  if (values === undefined || values.length === 0) {
    if (condition.ifExists || condition.qualifier === 'ForAllValues') return true;
    return negated && condition.qualifier !== 'ForAnyValue';
  }
  const positive = (value: string) => condition.values.some((p) => matchOne(condition.operator, value, p));
  switch (condition.qualifier) {
    case 'ForAllValues':
      return values.every((v) => (negated ? !positive(v) : positive(v)));
    case 'ForAnyValue':
      return values.some((v) => (negated ? !positive(v) : positive(v)));
    default:
      return negated ? !values.some(positive) : values.some(positive);
  }
}

/** The positive form of `operator` for one context value and one policy value. */
function matchOne(operator: PolicyCondition['operator'], value: string, policyValue: string): boolean {
  switch (operator) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'ArnEquals':
    case 'ArnNotEquals':
      return value === policyValue;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return value.toLowerCase() === policyValue.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
    case 'ArnLike':
    case 'ArnNotLike':
      return globMatch(policyValue, value, false);
    case 'Bool':
      return value.toLowerCase() === policyValue.toLowerCase();
    case 'NumericEquals':
    case 'NumericNotEquals':
    case 'NumericLessThan':
    case 'NumericLessThanEquals':
    case 'NumericGreaterThan':
    case 'NumericGreaterThanEquals':
      return compare(operator, Number(value), Number(policyValue));
    case 'DateEquals':
    case 'DateNotEquals':
    case 'DateLessThan':
    case 'DateLessThanEquals':
    case 'DateGreaterThan':
    case 'DateGreaterThanEquals':
      return compare(operator, toTime(value), toTime(policyValue));
    case 'Null':
      return false;
  }
}

function compare(operator: string, a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  if (operator.endsWith('LessThanEquals')) return a <= b;
  if (operator.endsWith('LessThan')) return a < b;
  if (operator.endsWith('GreaterThanEquals')) return a >= b;
  if (operator.endsWith('GreaterThan')) return a > b;
  return a === b;
}

function toTime(value: string): number {
  return /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
}

/** IAM wildcards: `*` any run, `?` one character. */
export function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}
