import { StsError, validationError } from './sts-error.js';

export const STS_VERSION = '2011-06-15';

/**
 * The parameters of one Query-protocol call. Lists arrive flattened
 * (`Tags.member.1.Key=…`), as the SDKs serialise them.
 */
export class QueryParams {
  private readonly problems: string[] = [];

  constructor(private readonly params: URLSearchParams) {}

  /** Parses an `application/x-www-form-urlencoded` body merged over the URL query. */
  static parse(body: string, query: URLSearchParams): QueryParams {
    const merged = new URLSearchParams(query);
    for (const [key, value] of new URLSearchParams(body)) merged.append(key, value);
    for (const key of new Set(merged.keys())) {
      if (merged.getAll(key).length > 1) throw new StsError('InvalidParameterValue', `The parameter ${key} was given more than once`);
    }
    return new QueryParams(merged);
  }

  get action(): string | undefined {
    return this.params.get('Action') ?? undefined;
  }

  get version(): string | undefined {
    return this.params.get('Version') ?? undefined;
  }

  /** An optional string; `field` is the model's member name used in messages (camelCase, as AWS writes it). */
  string(name: string, field: string, limits: { min?: number; max?: number; pattern?: RegExp; patternText?: string } = {}) {
    const value = this.params.get(name);
    if (value === null) return undefined;
    const shown = value.length > 128 ? `${value.slice(0, 16)}…` : value;
    if (limits.min !== undefined && value.length < limits.min)
      this.problems.push(
        `Value '${shown}' at '${field}' failed to satisfy constraint: Member must have length greater than or equal to ${String(limits.min)}`,
      );
    if (limits.max !== undefined && value.length > limits.max)
      this.problems.push(
        `Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${String(limits.max)}`,
      );
    if (limits.pattern && !limits.pattern.test(value))
      this.problems.push(
        `Value '${shown}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${limits.patternText ?? limits.pattern.source}`,
      );
    return value;
  }

  /** A required string: a missing one is reported like AWS does ("Value null at …"). */
  required(name: string, field: string, limits: Parameters<QueryParams['string']>[2] = {}): string {
    const value = this.string(name, field, limits);
    if (value === undefined) this.problems.push(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
    return value ?? '';
  }

  integer(name: string, field: string, min: number, max: number): number | undefined {
    const raw = this.params.get(name);
    if (raw === null) return undefined;
    if (!/^-?\d{1,12}$/.test(raw)) {
      this.problems.push(`Value '${raw}' at '${field}' failed to satisfy constraint: Member must be an integer`);
      return undefined;
    }
    const value = Number(raw);
    if (value < min)
      this.problems.push(
        `Value '${raw}' at '${field}' failed to satisfy constraint: Member must have value greater than or equal to ${String(min)}`,
      );
    if (value > max)
      this.problems.push(
        `Value '${raw}' at '${field}' failed to satisfy constraint: Member must have value less than or equal to ${String(max)}`,
      );
    return value;
  }

  /** `Prefix.member.N[.Suffix]` for N = 1, 2, … until the first gap (bounded). */
  list(prefix: string, suffix = ''): string[] {
    const values: string[] = [];
    for (let n = 1; n <= 1000; n++) {
      const value = this.params.get(`${prefix}.member.${String(n)}${suffix ? `.${suffix}` : ''}`);
      if (value === null) break;
      values.push(value);
    }
    return values;
  }

  /**
   * `PolicyArns.member.N.arn`: at most 10 managed policy ARNs of 20-2048 characters
   * (PolicyDescriptorType, AssumeRole API reference).
   */
  policyArns(prefix: string): string[] {
    const arns = this.list(prefix, 'arn');
    if (arns.length > 10)
      this.problems.push(`Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10`);
    arns.forEach((arn, i) => {
      if (arn.length < 20 || arn.length > 2048)
        this.problems.push(
          `Value '${arn.slice(0, 40)}' at 'policyArns.${String(i + 1)}.member.arn' failed to satisfy constraint: Member must have length between 20 and 2048`,
        );
    });
    return arns;
  }

  /** `Tags.member.N.Key` / `.Value` pairs. */
  tags(prefix: string): { key: string; value: string }[] {
    const keys = this.list(prefix, 'Key');
    return keys.map((key, index) => ({ key, value: this.params.get(`${prefix}.member.${String(index + 1)}.Value`) ?? '' }));
  }

  /** Throws one ValidationError listing every constraint violation collected so far. */
  assertValid(): void {
    if (this.problems.length > 0) throw validationError(this.problems);
  }
}
