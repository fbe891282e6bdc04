/**
 * Long computations (training a router index) are written as generators that yield between
 * bounded steps of work. Run to the end at once with `runToEnd`, or let the caller spread the
 * steps over several turns of its event loop (src/agents/build-in-slices.ts): the routing code
 * stays pure and knows nothing of clocks or scheduling.
 */
export type BuildSteps<T> = Generator<void, T, void>;

export function runToEnd<T>(steps: BuildSteps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
