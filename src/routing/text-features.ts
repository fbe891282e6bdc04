/**
 * Text normalisation shared by the router's features and the follow-up rules. Pure and
 * deterministic: the same text always yields the same tokens, whatever the agents are.
 */

// Texts longer than this are cut: routing needs the gist, and the cut bounds latency.
const MAX_TEXT_CHARS = 2_000;

/** Lowercase, strip accents and apostrophes, keep letters and digits of any script. */
export function normalizeText(text: string): string {
  return text
    .slice(0, MAX_TEXT_CHARS)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’`]/g, '');
}

export function tokenize(text: string): string[] {
  return normalizeText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * A light suffix stripper (in the spirit of Porter step 1): enough to make "flights", "flying"
 * and "flight" or "booked"/"booking" meet, cheap enough to run per message.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let result = word;
  if (result.endsWith('ies') && result.length > 4) result = result.slice(0, -3) + 'y';
  else if (result.endsWith('sses')) result = result.slice(0, -2);
  else if (result.endsWith('s') && !result.endsWith('ss') && !result.endsWith('us')) result = result.slice(0, -1);
  for (const suffix of ['ingly', 'edly', 'ing', 'ed', 'ly']) {
    if (result.endsWith(suffix) && result.length - suffix.length >= 3) {
      result = result.slice(0, -suffix.length);
      // "stopp(ed)" → "stop", "hopp(ing)" → "hop"
      if (/([^aeiouslz])\1$/.test(result)) result = result.slice(0, -1);
      break;
    }
  }
  return result;
}
