/**
 * A synthetic large workspace for latency: the CLINC agents copied `copies` times, each copy's
 * words perturbed (a deterministic half of them get a copy-specific suffix) so the copies share
 * some vocabulary, as real neighbouring agents do, yet each has features of its own.
 */
import type { AgentProfile } from '../../src/routing/index.ts';

export function perturb(text: string, copy: number): string {
  if (copy === 0) return text;
  return text.replace(/[a-z]+/g, (word) => (hash(word + copy) % 2 === 0 ? word + 'q' + String.fromCharCode(97 + (copy % 26)) : word));
}

export function syntheticProfiles(base: AgentProfile[], copies: number): AgentProfile[] {
  const profiles: AgentProfile[] = [];
  for (let copy = 0; copy < copies; copy += 1) {
    for (const profile of base) {
      profiles.push({
        ...profile,
        id: `${profile.id}-${copy}`,
        name: `${profile.name} ${copy}`,
        description: perturb(profile.description, copy),
        examples: profile.examples.map((example) => perturb(example, copy)),
      });
    }
  }
  return profiles;
}

function hash(text: string): number {
  let value = 2166136261;
  for (let position = 0; position < text.length; position += 1) value = Math.imul(value ^ text.charCodeAt(position), 16777619);
  return value >>> 0;
}
