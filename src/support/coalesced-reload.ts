/**
 * A reload that runs one at a time: calls made while one runs share it, and
 * exactly one more run follows them, so a change announced while a run was
 * reading is never missed. The follow-up's failure is left to the caller's
 * own logging inside `load` (nobody awaits it).
 */
export function coalescedReload<T>(load: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let again = false;
  const reload = (): Promise<T> => {
    if (running) {
      again = true;
      return running;
    }
    running = load().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        void reload().catch(() => undefined);
      }
    });
    return running;
  };
  return reload;
}
