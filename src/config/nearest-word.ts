/**
 * "Did you mean" for refusals: the accepted word closest to what was written, so that a typo in
 * a key, a parameter or a keyword is answered with the fix rather than only the list.
 */

/**
 * The candidate closest to `word` (case slips, a letter or two off), else the one candidate it
 * abbreviates (`prod` for `production`), else undefined.
 */
function nearestWord(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = word.toLowerCase() === candidate.toLowerCase() ? 0 : editDistance(word, candidate);
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  const tolerated = Math.max(1, Math.floor(word.length / 3));
  if (best !== undefined && best.distance <= tolerated) return best.candidate;
  // Shorter than three letters, a prefix says too little to guess from.
  if (word.length < 3) return undefined;
  const abbreviated = candidates.filter((candidate) => candidate.toLowerCase().startsWith(word.toLowerCase()));
  return abbreviated.length === 1 ? abbreviated[0] : undefined;
}

/** `; did you mean "x"?` for the nearest candidate, or nothing: the tail of a refusal. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const suggestion = nearestWord(word, candidates);
  return suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let leftIndex = 1; leftIndex <= left.length; leftIndex++) {
    const current = [leftIndex];
    for (let rightIndex = 1; rightIndex <= right.length; rightIndex++) {
      const substitution = left[leftIndex - 1] === right[rightIndex - 1] ? 0 : 1;
      current[rightIndex] = Math.min(
        previous[rightIndex] + 1,
        current[rightIndex - 1] + 1,
        previous[rightIndex - 1] + substitution,
      );
    }
    previous = current;
  }
  return previous[right.length];
}
