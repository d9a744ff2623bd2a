import { CliError, ExitCode } from './errors.js';

/** botocore refreshes at 15 min left and re-runs the helper on every call below that (botocore `_DEFAULT_ADVISORY_REFRESH_TIMEOUT`; https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html): keep 5 min more. */
export const DEFAULT_REFRESH_MARGIN_MS = 20 * 60_000;
/** How long a refresh may take when the cache still holds valid credentials to fall back on. */
export const DEFAULT_STALE_TIMEOUT_MS = 2_000;

export interface RefreshSettings {
  refreshMarginMs: number;
  staleTimeoutMs: number;
}

/**
 * The refresh margin (`--refresh-margin`, else `ROLEGATE_REFRESH_MARGIN`,
 * seconds, default 1200) and the refresh timeout used when the cache can
 * still answer (`ROLEGATE_REFRESH_TIMEOUT`, seconds, default 2).
 */
export function refreshSettings(env: Readonly<Record<string, string | undefined>>, marginFlag?: string): RefreshSettings {
  const margin = marginFlag ?? env.ROLEGATE_REFRESH_MARGIN;
  const timeout = env.ROLEGATE_REFRESH_TIMEOUT;
  return {
    refreshMarginMs:
      margin === undefined || margin === ''
        ? DEFAULT_REFRESH_MARGIN_MS
        : seconds(margin, 0, 43_200, '--refresh-margin / ROLEGATE_REFRESH_MARGIN') * 1000,
    staleTimeoutMs:
      timeout === undefined || timeout === '' ? DEFAULT_STALE_TIMEOUT_MS : seconds(timeout, 0.1, 60, 'ROLEGATE_REFRESH_TIMEOUT') * 1000,
  };
}

function seconds(value: string, min: number, max: number, what: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new CliError(ExitCode.usage, `${what} must be seconds from ${String(min)} to ${String(max)}, got ${value.slice(0, 40)}`);
  }
  return n;
}

/** Parses `--duration`: whole seconds, 900-43200 (the broker clamps to what the role allows). */
export function durationOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 900 || n > 43_200) {
    throw new CliError(ExitCode.usage, `--duration must be whole seconds from 900 to 43200, got ${value.slice(0, 40)}`);
  }
  return n;
}
