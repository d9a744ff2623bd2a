import { homedir } from 'node:os';
import { resolveBroker, type Broker, type BrokerSources } from './broker-url.js';
import { cliPaths, configDirFrom, type CliPaths } from './config-dir.js';
import { debugLog, type DebugLog } from './debug-log.js';
import { ensurePrivateDir } from './secure-files.js';
import { readSettings } from './settings-file.js';
import { readTokens } from './token-store.js';

/** What every command needs: where files live, which broker, and how to log debug lines. */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  paths: CliPaths;
  debug: DebugLog;
  debugEnabled: boolean;
  /** The broker (--broker, ROLEGATE_URL, config.json, the current sign-in); throws a config CliError when none. */
  broker(): Broker;
  now(): number;
}

export interface ContextOptions {
  brokerFlag?: string;
  debug?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Builds the context and makes sure the config directory exists, 0700 and ours (refusing a looser one). */
export function createCliContext(options: ContextOptions = {}): CliContext {
  const env = options.env ?? process.env;
  const debugEnabled = options.debug === true || env.ROLEGATE_DEBUG === '1';
  const debug = debugLog(debugEnabled);
  const paths = cliPaths(configDirFrom(env, homedir()));
  ensurePrivateDir(paths.dir);
  let broker: Broker | undefined;
  return {
    env,
    paths,
    debug,
    debugEnabled,
    now: () => Date.now(),
    broker() {
      if (broker) return broker;
      // Later sources are read only when the earlier ones are empty.
      const given = (value: string | undefined) => value !== undefined && value.trim() !== '';
      const sources: BrokerSources = { flag: options.brokerFlag, env: env.ROLEGATE_URL };
      if (!given(sources.flag) && !given(sources.env)) {
        sources.config = readSettings(paths.config).broker;
        if (!given(sources.config)) sources.signedIn = readTokens(paths)?.broker;
      }
      broker = resolveBroker(sources);
      debug(`broker ${broker.url} (from ${broker.source}); config directory ${paths.dir}`);
      return broker;
    },
  };
}
