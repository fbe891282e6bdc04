/**
 * The fleet served when there is no fleet file, so that `npm start` on a fresh machine shows
 * something real: four agents with distinct jobs, enough routing examples for the embedded
 * router to tell them apart, and a model chosen from whichever provider key is set.
 * examples/fleetchat.yaml is the same fleet as a file.
 */
import type { EnvironmentSettings } from './env.ts';
import { ariaSoul, ledgerSoul, novaSoul, sentinelSoul } from './demo-souls.ts';
import { requireModelOfMode } from './fleet-routing.ts';
import type { Fleet, FleetAgent } from './types.ts';

export const demoFleetSource = 'built-in demo fleet';
export const demoMockModel = 'mock/fleet-demo';

type DemoAgent = Pick<FleetAgent, 'name' | 'role' | 'description' | 'soul' | 'routing'>;

export const demoAgents: readonly DemoAgent[] = [
  {
    name: 'Aria',
    role: 'General Assistant',
    description: 'Answers everyday questions, drafts and summarises, and points to the right specialist',
    soul: ariaSoul,
    routing: {
      examples: [
        'Can you help me write a polite follow-up email to a client?',
        'Summarise these meeting notes into three bullet points',
        'Draft an agenda for our weekly team sync',
        'What is a good way to structure a project kickoff?',
        'Rewrite this paragraph so it sounds friendlier',
        'Help me plan my priorities for this week',
        'Turn this list into a short announcement for the team',
      ],
      keywords: ['email', 'draft', 'summarise', 'summary', 'agenda', 'meeting', 'rewrite', 'plan', 'announcement'],
    },
  },
  {
    name: 'Nova',
    role: 'Research Analyst',
    description: 'Monitors the competitive landscape and surfaces intelligence',
    soul: novaSoul,
    routing: {
      examples: [
        'What did our competitors announce this week?',
        'Compare our pricing with the three biggest alternatives',
        'Which features do rival products have that we lack?',
        'Estimate the size of the market for mid-size logistics companies',
        'Write a brief on the new product our main competitor launched',
        'What are the trends in customer support software this year?',
        'Who are the emerging startups in our segment?',
        'Summarise analyst reports about our industry',
      ],
      keywords: ['competitor', 'competitors', 'market', 'pricing', 'landscape', 'trend', 'rival', 'launch', 'research', 'analyst'],
    },
  },
  {
    name: 'Ledger',
    role: 'Finance Partner',
    description: 'Explains budgets, checks invoices and expenses, and builds quick forecasts',
    soul: ledgerSoul,
    routing: {
      examples: [
        'How much of the marketing budget is left this quarter?',
        'Check this invoice for errors before I approve it',
        'Why is our cloud spend over forecast this month?',
        'How do I submit an expense report for my trip?',
        'Build a forecast of software costs for next year',
        'The vendor billed us twice, what should I do?',
        'Explain the variance between budget and actuals in Q3',
        'When is this invoice due given net 30 terms?',
      ],
      keywords: ['budget', 'invoice', 'expense', 'reimbursement', 'forecast', 'spend', 'cost', 'payment', 'vendor', 'variance'],
    },
  },
  {
    name: 'Sentinel',
    role: 'IT Support and Operations Engineer',
    description: 'Unblocks access problems and guides incident response and infrastructure fixes',
    soul: sentinelSoul,
    routing: {
      examples: [
        'I cannot log in to the VPN since this morning',
        'The production API is returning 502 errors, what should we check?',
        'How do I reset my multi-factor authentication device?',
        'Our TLS certificate expires tomorrow, how do we renew it?',
        'The deployment failed with a timeout, can you read this log?',
        'Disk usage on the database server is at 95 percent',
        'Write a status update for the ongoing outage',
        'My laptop will not connect to the office wifi',
      ],
      keywords: ['vpn', 'password', 'login', 'outage', 'incident', 'deploy', 'server', 'error', 'certificate', 'dns', 'laptop'],
    },
  },
];

/**
 * OpenAI first (with the mock as the last resort so the demo keeps answering), then
 * Anthropic, then the offline mock alone.
 */
export function chooseDemoModel(settings: EnvironmentSettings): FleetAgent['model'] {
  const names = new Set(settings.providers.map((provider) => provider.name));
  // OPENAI_BASE_URL alone usually means a local server, which has no gpt-4o-mini.
  const openAiKeyed = settings.providers.some((provider) => provider.name === 'openai' && provider.apiKey !== undefined);
  if (openAiKeyed) {
    const fallbacks = names.has('anthropic') ? ['anthropic/claude-haiku-4-5', demoMockModel] : [demoMockModel];
    return { default: 'openai/gpt-4o-mini', fallbacks };
  }
  if (names.has('anthropic')) return { default: 'anthropic/claude-haiku-4-5', fallbacks: [demoMockModel] };
  return { default: demoMockModel, fallbacks: [] };
}

export function buildDemoFleet(settings: EnvironmentSettings): Fleet {
  const model = chooseDemoModel(settings);
  const routing = {
    mode: settings.routing.mode ?? 'embedded',
    recentWindowMinutes: settings.routing.recentWindowMinutes ?? 30,
  };
  requireModelOfMode(routing, true, `${demoFleetSource}, which has none: point FLEETCHAT_CONFIG to a fleet file`);
  return {
    source: demoFleetSource,
    providers: settings.providers,
    defaultAgent: 'Aria',
    routing,
    agents: demoAgents.map((agent) => ({
      ...agent,
      routing: { examples: [...agent.routing.examples], keywords: [...agent.routing.keywords] },
      model: { default: model.default, fallbacks: [...model.fallbacks] },
      session: { maxContextTokens: 16_000 },
      limits: { dailyTokenBudget: null, monthlyTokenBudget: null },
      status: 'online' as const,
    })),
  };
}
