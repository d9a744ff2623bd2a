/** Debug lines on stderr, only with --debug (or ROLEGATE_DEBUG=1). Never pass tokens or credentials. */
export type DebugLog = (message: string) => void;

export function debugLog(enabled: boolean, write: (text: string) => void = (text) => process.stderr.write(text)): DebugLog {
  return enabled ? (message) => write(`rolegate debug: ${message}\n`) : () => undefined;
}
