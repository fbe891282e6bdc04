/**
 * Runs a long pure computation written as steps (src/routing/build-steps.ts) in slices of about
 * `sliceMs`, giving the event loop back between slices: learning a changed 100-agent workspace
 * takes about a second of CPU, which must not stall every other request of the instance.
 */
import type { BuildSteps } from '../routing/index.ts';

export const DEFAULT_SLICE_MS = 8;

export async function runInSlices<T>(steps: BuildSteps<T>, sliceMs = DEFAULT_SLICE_MS): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
