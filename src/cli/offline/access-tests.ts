import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { AccessDocument, MappingEntry } from '../../domain/access-document.js';
import { indexAccessModel } from '../../domain/access-index.js';
import { parseRoleArn } from '../../domain/arn.js';
import { modelOfDocument } from '../../domain/document-model.js';
import { globMatch } from '../../domain/glob-match.js';
import { parseIp } from '../../domain/ip-address.js';
import { checkRoleRequestIn } from '../../domain/role-request.js';
import { formatProblem, parseYamlWithPositions, positionIn, type AccessFileProblem } from '../../features/admin/access-file.js';

/**
 * Access tests (docs/access-as-code.md#access-tests): expectations about who
 * may take which role, decided by the broker's own code (checkRoleRequestIn
 * over indexAccessModel), and rules every mapping must keep.
 */

const OUTCOMES = ['allowed', 'break-glass', 'eligible', 'denied'] as const;
type Outcome = (typeof OUTCOMES)[number];
const REASONS = [
  'not_entitled',
  'mfa_required',
  'mfa_stale',
  'source_ip_not_allowed',
  'idp_mismatch',
  'invalid_mapping',
  'role_misconfigured',
] as const;

const userSchema = z.strictObject({
  groups: z.array(z.string().min(1)).default([]),
  /** The IdP slug the user signs in with (default: `default`). */
  idp: z.string().min(1).default('default'),
  mfa: z.boolean().default(false),
  from: z
    .string()
    .refine((ip) => parseIp(ip) !== undefined, { error: 'expected an IPv4 or IPv6 address' })
    .optional(),
});

const selectorSchema = z.strictObject({
  /** Glob on the role's name (`Admin*`). */
  role: z.string().min(1).optional(),
  /** The account's alias or id. */
  account: z.string().min(1).optional(),
  tagged: z.string().min(1).optional(),
  /** Glob on the mapping's group text. */
  group: z.string().min(1).optional(),
  /** Mappings whose group is a glob pattern (`match: glob`). */
  wildcardGroup: z.boolean().optional(),
  breakGlass: z.boolean().optional(),
  access: z.enum(['standing', 'eligible']).optional(),
});
type Selector = z.output<typeof selectorSchema>;

const requirementSchema = z.union([
  z.enum(['mfa', 'cidrs', 'breakGlass', 'eligible'], {
    error: 'expected mfa, cidrs, breakGlass, eligible, { groups: [...] } or { maxSessionSeconds: n }',
  }),
  z.strictObject({ groups: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ maxSessionSeconds: z.number().int().min(900).max(43200) }),
]);
type Requirement = z.output<typeof requirementSchema>;

function testsSchemaFor(doc: AccessDocument) {
  const accounts = new Map(doc.accounts.flatMap((a) => [[a.alias, a] as const, [a.id, a] as const]));
  const tags = new Set(doc.accounts.flatMap((a) => a.tags ?? []));
  const caseSchema = z
    .strictObject({
      user: z.string().min(1),
      /** `account/role` (alias or id, role name). */
      role: z.string().min(1).optional(),
      /** Every role of every account with this tag. */
      tagged: z.string().min(1).optional(),
      expect: z.enum(OUTCOMES),
      reason: z.enum(REASONS).optional(),
    })
    .superRefine((c, ctx) => {
      if ((c.role === undefined) === (c.tagged === undefined))
        ctx.addIssue({ code: 'custom', message: 'give exactly one of role (account/role) or tagged' });
      if (c.role !== undefined) {
        const [account, ...rest] = c.role.split('/');
        const known = accounts.get(account ?? '');
        const name = rest.join('/');
        if (known === undefined || name === '')
          ctx.addIssue({
            code: 'custom',
            path: ['role'],
            message: `unknown account "${account ?? ''}" (not listed under accounts in the access file)`,
          });
        else if (!doc.roles.some((r) => roleAccount(r.arn) === known.id && roleName(r.arn).toLowerCase() === name.toLowerCase()))
          ctx.addIssue({
            code: 'custom',
            path: ['role'],
            message: `unknown role "${name}" in account ${known.alias} (not listed under roles in the access file)`,
          });
      }
      if (c.tagged !== undefined && !tags.has(c.tagged))
        ctx.addIssue({ code: 'custom', path: ['tagged'], message: `no account is tagged "${c.tagged}"` });
      if (c.reason !== undefined && c.expect !== 'denied')
        ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a reason goes with expect: denied' });
    });
  const ruleSchema = z
    .strictObject({
      name: z.string().min(1).max(200).optional(),
      mappings: selectorSchema,
      require: z.array(requirementSchema).min(1).optional(),
      forbid: z.literal(true).optional(),
    })
    .refine((r) => (r.require === undefined) !== (r.forbid === undefined), { error: 'give exactly one of require or forbid: true' });
  return z
    .strictObject({
      version: z.literal(1, { error: 'expected version: 1' }).default(1),
      users: z.record(z.string().min(1), userSchema).default({}),
      cases: z.array(caseSchema).default([]),
      rules: z.array(ruleSchema).default([]),
    })
    .superRefine((t, ctx) => {
      t.cases.forEach((c, i) => {
        if (!(c.user in t.users))
          ctx.addIssue({ code: 'custom', path: ['cases', i, 'user'], message: `user "${c.user}" is not listed under users` });
      });
    });
}
type TestsFile = z.output<ReturnType<typeof testsSchemaFor>>;

export type TestsParse = { ok: true; tests: TestsFile } | { ok: false; problems: AccessFileProblem[] };

export function parseTestsYaml(text: string, doc: AccessDocument): TestsParse {
  const result = parseYamlWithPositions(text, testsSchemaFor(doc), 'the tests file is empty (write `version: 1` and cases or rules)');
  return result.ok ? { ok: true, tests: result.value } : result;
}

export interface TestResult {
  /** `cases[2]` or `rules[0]`. */
  at: string;
  name: string;
  ok: boolean;
  /** For a failure: what happened instead, naming the mappings (with their place in the access file) that decided it. */
  failure?: string;
}

/** Runs every case and rule. `accessText` and `accessFile` place the mappings a failure names (`access.yaml:70:5`). */
export function runTests(doc: AccessDocument, tests: TestsFile, accessText: string, accessFile: string, now = Date.now()): TestResult[] {
  const index = indexAccessModel(modelOfDocument(doc));
  const place = mappingPlaces(accessText, accessFile);
  const label = (i: number) => {
    const m = doc.mappings[i] as MappingEntry;
    return `mappings[${String(i)}] (${place(i)}: group ${m.group} → ${targetOf(doc, m.role)})`;
  };
  const labels = (ids: readonly string[]) => ids.map((id) => label(Number(/\d+/.exec(id)?.[0]))).join(', ');
  const results: TestResult[] = [];
  tests.cases.forEach((c, i) => {
    const user = tests.users[c.user] as z.output<typeof userSchema>;
    const asker = {
      principal: {
        id: `${user.idp}:${c.user}`,
        idp: user.idp,
        subject: c.user,
        username: c.user,
        groups: user.groups,
        authn: { methods: user.mfa ? ['pwd', 'mfa'] : ['pwd'], mfa: user.mfa, authenticatedAt: now },
      },
      sourceIp: user.from,
      now,
    };
    const targets =
      c.role !== undefined
        ? [splitTarget(c.role)]
        : doc.accounts
            .filter((a) => a.tags?.includes(c.tagged ?? '') === true)
            .flatMap((a) => doc.roles.filter((r) => roleAccount(r.arn) === a.id).map((r) => ({ account: a.alias, role: roleName(r.arn) })));
    for (const target of targets) {
      const name = `${c.user} → ${target.account}/${target.role}: ${c.expect}${c.reason ? ` (${c.reason})` : ''}`;
      const decided = checkRoleRequestIn(index, asker, target);
      let got: Outcome;
      let reasons: string[] = [];
      let by = '';
      if (decided.ok || decided.reason === 'justification_required') {
        got = decided.entitlement.breakGlass ? 'break-glass' : 'allowed';
        by = ` through ${labels(decided.entitlement.mappings.map((m) => m.id))}`;
      } else if (decided.reason === 'grant_required') {
        got = 'eligible';
        by = ` through ${labels(decided.eligibility.mappings.map((m) => m.id))}`;
      } else if (decided.reason === 'condition_failed') {
        got = 'denied';
        reasons = [...new Set(decided.denial.mappings.flatMap((m) => m.failures.map((f) => f.condition)))];
        by = ` (${reasons.join(', ')}) by ${labels(decided.denial.mappings.map((m) => m.mapping.id))}`;
      } else if (decided.reason === 'not_entitled' || decided.reason === 'role_misconfigured') {
        got = 'denied';
        reasons = [decided.reason];
        by =
          decided.reason === 'not_entitled'
            ? ` (not_entitled: no mapping names it for groups ${user.groups.join(', ') || '(none)'})`
            : ` (${decided.detail})`;
      } else {
        // Unknown accounts and roles were refused when the tests file was read.
        got = 'denied';
        by = ` (${decided.detail})`;
      }
      const ok = got === c.expect && (c.reason === undefined || reasons.includes(c.reason));
      results.push({ at: `cases[${String(i)}]`, name, ok, ...(ok ? {} : { failure: `got ${got}${by}` }) });
    }
  });
  tests.rules.forEach((rule, i) => {
    const name = rule.name ?? describeRule(rule.mappings, rule.require);
    const broken: string[] = [];
    doc.mappings.forEach((m, at) => {
      if (!selects(doc, rule.mappings, m)) return;
      const missing = rule.forbid === true ? ['forbidden'] : (rule.require ?? []).filter((r) => !meets(doc, m, r)).map(requirementText);
      if (missing.length > 0) broken.push(`${label(at)} ${rule.forbid === true ? 'is forbidden' : `lacks ${missing.join(', ')}`}`);
    });
    results.push({
      at: `rules[${String(i)}]`,
      name,
      ok: broken.length === 0,
      ...(broken.length > 0 ? { failure: broken.join('; ') } : {}),
    });
  });
  return results;
}

function selects(doc: AccessDocument, s: Selector, m: MappingEntry): boolean {
  const accountId = roleAccount(m.role);
  const account = doc.accounts.find((a) => a.id === accountId);
  if (s.role !== undefined && !globMatch(s.role, roleName(m.role))) return false;
  if (s.account !== undefined && s.account !== accountId && s.account !== account?.alias) return false;
  if (s.tagged !== undefined && account?.tags?.includes(s.tagged) !== true) return false;
  if (s.group !== undefined && !globMatch(s.group, m.group)) return false;
  if (s.wildcardGroup !== undefined && (m.match === 'glob') !== s.wildcardGroup) return false;
  if (s.breakGlass !== undefined && m.breakGlass !== s.breakGlass) return false;
  if (s.access !== undefined && m.access !== s.access) return false;
  return true;
}

function meets(doc: AccessDocument, m: MappingEntry, r: Requirement): boolean {
  if (r === 'mfa') return m.requireMfa;
  if (r === 'cidrs') return m.allowedCidrs.length > 0;
  if (r === 'breakGlass') return m.breakGlass;
  if (r === 'eligible') return m.access === 'eligible';
  if ('groups' in r) return m.match === 'exact' && r.groups.includes(m.group);
  const roleMax = doc.roles.find((x) => x.arn === m.role)?.maxSessionSeconds ?? 3600;
  return Math.min(m.maxSessionSeconds ?? roleMax, roleMax) <= r.maxSessionSeconds;
}

function requirementText(r: Requirement): string {
  if (typeof r === 'string') return r === 'breakGlass' ? 'breakGlass (a typed justification)' : r;
  return 'groups' in r ? `group in [${r.groups.join(', ')}]` : `sessions ≤ ${String(r.maxSessionSeconds)}s`;
}

function describeRule(s: Selector, require: readonly Requirement[] | undefined): string {
  const what =
    Object.entries(s)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(', ') || 'every mapping';
  return require === undefined ? `no mapping with ${what}` : `mappings with ${what} require ${require.map(requirementText).join(', ')}`;
}

/** `access.yaml:70:5` for each mapping, worked out once (only when a result names one). */
function mappingPlaces(text: string, file: string): (i: number) => string {
  let cached: { doc: ReturnType<typeof parseDocument>; lines: LineCounter } | undefined;
  return (i) => {
    if (cached === undefined) {
      const lines = new LineCounter();
      cached = { doc: parseDocument(text, { lineCounter: lines }), lines };
    }
    const at = positionIn(cached.doc, cached.lines, ['mappings', i]);
    return formatProblem({ ...at, path: '', message: '' }, file).trim();
  };
}

function splitTarget(text: string): { account: string; role: string } {
  const [account, ...rest] = text.split('/');
  return { account: account ?? '', role: rest.join('/') };
}

function roleAccount(arn: string): string {
  const parsed = parseRoleArn(arn);
  return parsed.ok ? parsed.value.accountId : '';
}

function roleName(arn: string): string {
  const parsed = parseRoleArn(arn);
  return parsed.ok ? parsed.value.name : arn;
}

function targetOf(doc: AccessDocument, arn: string): string {
  const id = roleAccount(arn);
  return `${doc.accounts.find((a) => a.id === id)?.alias ?? id}/${roleName(arn)}`;
}
