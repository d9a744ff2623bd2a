/**
 * Work written as a generator that yields between slices (see access-index.ts,
 * access-diff.ts) runs either in one go or with `pause()` awaited at every
 * yield, so a large model's work never holds the event loop for long. The
 * domain stays pure: the caller passes the pause (setImmediate, in the service).
 */
export function runSteps<T>(steps: Generator<void, T>): T {
  let step = steps.next();
  while (step.done !== true) step = steps.next();
  return step.value;
}

export async function runStepsPausing<T>(steps: Generator<void, T>, pause: () => Promise<void>): Promise<T> {
  let step = steps.next();
  while (step.done !== true) {
    await pause();
    step = steps.next();
  }
  return step.value;
}

/** Counts work and says when a slice of `sliceSize` units is done: `if (slices.done()) yield;`. */
export function slicer(sliceSize: number): { done(units?: number): boolean } {
  let count = 0;
  return {
    done(units = 1) {
      count += units;
      if (count < sliceSize) return false;
      count = 0;
      return true;
    },
  };
}
