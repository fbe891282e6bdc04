/**
 * How the built-in demo fleet routes messages a new user might type: two sets of messages written
 * for this (not the agents' examples), each with the agent that should answer. "before" was
 * written before the demo agents got their current examples and keywords (which were chosen after
 * seeing its misses); "after" was written after, and not used for tuning. Prints the misses and
 * the count right per set. The demo fleet's own data is read from src/, as the server uses it.
 *
 *   node --import tsx bench/routing/demo-fleet.ts
 */
import { loadWordVectors } from '../../src/agents/word-vectors-file.ts';
import { demoAgents } from '../../src/config/demo-fleet.ts';
import { buildRouterIndex, route } from '../../src/routing/index.ts';

const sets: Record<'before' | 'after', Record<string, string[]>> = {
  before: {
    Sentinel: [
      'Are there any suspicious logins on our admin accounts this week?',
      'my password expired and I am locked out',
      'the website is down for customers in europe',
      'someone got a phishing email pretending to be our CEO',
      'how do I get access to the shared drive',
      'the build pipeline keeps failing on the test step',
      'CPU on the web servers spiked at noon',
      'can you give me admin rights on the staging database',
      'our domain name is not resolving',
      'set up a new laptop for a hire starting monday',
      'we think an API key leaked on github',
      'roll back yesterday\'s release',
    ],
    Ledger: [
      'How much did we spend on cloud invoices last month?',
      'which invoices are still unpaid this quarter?',
      'can I expense a client dinner',
      'what is our burn rate',
      'prepare the budget for the marketing offsite',
      'a supplier is asking when we will pay them',
      'how much revenue did we book in october',
      'reconcile the credit card statement',
      'what will headcount cost us next year',
      'is this purchase order within my approval limit',
      'our AWS bill doubled',
      'when do I get reimbursed for my train tickets',
    ],
    Nova: [
      'Summarize competitor pricing moves',
      'what is the market share of our top rival',
      'find news about companies similar to ours',
      'how are competitors positioning their AI features',
      'what do customers say about the competition in reviews',
      'give me a SWOT analysis of our main competitor',
      'which companies raised funding in our space recently',
      'research the logistics software market in germany',
      'what pricing models do saas tools in our category use',
      'any acquisitions in our industry this quarter',
    ],
    Aria: [
      'write a thank you note to the team',
      'help me prepare for my one on one with my manager',
      'what is the capital of australia',
      'translate this sentence into spanish',
      'give me ideas for a team lunch',
      'make this message shorter',
      'summarise this article for me',
      'how should I structure a presentation',
    ],
  },
  after: {
    Sentinel: ['two factor codes are not arriving on my phone', 'the mobile app crashes at startup for many users', 'please revoke access for an employee who left today', 'is our ssl setup secure', 'the kubernetes cluster ran out of nodes'],
    Ledger: ['how much did we pay contractors this year', 'split this restaurant bill across two cost centers', 'what is the payment status of invoice 1042', 'do we have money left for new monitors', 'compare this year\'s spending to last year'],
    Nova: ['what features did the market leader ship last month', 'who is winning in the enterprise segment', 'summarise gartner\'s view of our category', 'is anyone else building a product like ours', 'what are analysts predicting for next year'],
    Aria: ['draft a linkedin post about our new office', 'what are some tips for running a good retrospective', 'fix the tone of this message to my boss', 'write a birthday message for a coworker', 'convert this outline into a short blog post'],
  },
};

const wordVectors = loadWordVectors('default');
console.log(wordVectors.note);
const profiles = demoAgents.map((agent) => ({
  id: agent.name,
  name: agent.name,
  role: agent.role,
  description: agent.description,
  soul: agent.soul,
  examples: agent.routing?.examples ?? [],
  keywords: agent.routing?.keywords ?? [],
}));
const index = buildRouterIndex(profiles, { wordVectors: wordVectors.vectors });
for (const [name, cases] of Object.entries(sets)) {
  let right = 0;
  let total = 0;
  for (const [expected, messages] of Object.entries(cases)) {
    for (const message of messages) {
      const decision = route({ message, context: {}, index, defaultAgentId: 'Aria', options: { recentWindowMs: 30 * 60_000, threshold: 0.5 } });
      total += 1;
      if (decision.agentId === expected) right += 1;
      else console.log(`  ${name}: ${expected} expected, ${decision.agentId} (${decision.strategy}, ${decision.confidence.toFixed(2)}): ${message}`);
    }
  }
  console.log(`${name}: ${right} of ${total} to the right agent`);
}
