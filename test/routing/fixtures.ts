import type { AgentProfile } from '../../src/routing/index.ts';

export function profile(id: string, description: string, examples: string[], extra: Partial<AgentProfile> = {}): AgentProfile {
  return { id, name: `${id} agent`, role: '', description, soul: '', examples, keywords: [], ...extra };
}

export const PROFILES: AgentProfile[] = [
  profile('billing', 'Invoices, payments, refunds and subscription plans.', [
    'why was my card charged twice', 'i need a refund for my last invoice', 'how do i update my payment method',
    'cancel my subscription plan', 'download the invoice for march', 'what is the price of the pro plan',
  ]),
  profile('travel', 'Books flights and hotels and checks flight status.', [
    'book a flight to rome next friday', 'find me a hotel in paris near the station', 'is my flight to berlin delayed',
    'i need a rental car at the airport', 'change my hotel booking to two nights', 'what gate does my flight leave from',
  ]),
  profile('cooking', 'Recipes, ingredients and cooking times.', [
    'how long do i bake a chicken breast', 'give me a recipe for lasagna', 'what can i use instead of eggs in a cake',
    'how many calories are in an avocado', 'suggest a quick vegetarian dinner', 'how do i make pancakes fluffy',
  ]),
];

export const OPTIONS = { recentWindowMs: 10 * 60_000 };
