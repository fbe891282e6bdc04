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
        'Write a short thank-you message for a colleague who helped me',
        'Proofread this email and fix the grammar',
        'Make this text more concise',
        'Translate this paragraph into French',
        'Give me talking points for my performance review',
        'Brainstorm names for our new internal newsletter',
        'Outline slides for a ten-minute presentation',
        'Explain this concept in simple terms',
        'What should I ask in a job interview for a designer?',
        'Suggest a fun activity for our team offsite',
        'Write a welcome note for a new team member',
        'Turn these bullet points into a paragraph',
        'Create a checklist for my first week in the new role',
        'How do I politely decline a meeting invitation?',
        'Give me a quick overview of how compound interest works',
        'Reply to this customer message in a warm tone',
      ],
      keywords: ['email', 'draft', 'summarise', 'summary', 'agenda', 'meeting', 'rewrite', 'plan', 'announcement', 'translate', 'proofread', 'presentation', 'brainstorm', 'explain'],
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
        'What is the latest news about our biggest competitor?',
        'How big is the market for our product in Europe?',
        'Which competitors raised money recently?',
        'Give me a competitive analysis of the top three players',
        'What are customers saying about rival products online?',
        'How do other companies in our space price their enterprise plans?',
        'Track mergers and acquisitions in our industry',
        'Who are our main competitors in the Asian market?',
        'Summarise the strengths and weaknesses of our closest rival',
        'What new regulations could affect our market next year?',
        'How does our feature set compare with the market leader?',
        'Find research on adoption of AI tools by small businesses',
        'What is the growth rate of our industry?',
        'Which companies did our competitor partner with this year?',
        'Prepare a landscape map of vendors in our category',
        'How are rivals marketing their new features?',
      ],
      keywords: ['competitor', 'competitors', 'market', 'pricing', 'landscape', 'trend', 'rival', 'launch', 'research', 'analyst', 'competitive', 'industry', 'funding', 'acquisition', 'news', 'share'],
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
        'What is our monthly burn and how long is our runway?',
        'Which bills are overdue?',
        'Can I claim this taxi ride as a business expense?',
        'How much revenue did we make last quarter?',
        'Reconcile last month\'s bank transactions',
        'Is this purchase within the approved budget?',
        'What will it cost to hire two more engineers next year?',
        'Our cloud bill jumped, which services cost the most?',
        'When will the supplier be paid?',
        'Set up a budget for the product launch event',
        'What is our gross margin this year?',
        'How do I get reimbursed for travel costs?',
        'Prepare a cash flow projection for the next six months',
        'Do we charge VAT on invoices to customers abroad?',
        'Approve or reject this purchase order',
        'Break down our software subscriptions by team',
      ],
      keywords: ['budget', 'invoice', 'expense', 'reimbursement', 'forecast', 'spend', 'cost', 'payment', 'vendor', 'variance', 'revenue', 'burn', 'runway', 'reconcile', 'tax', 'margin', 'bill', 'purchase'],
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
        'I forgot my password and my account is locked',
        'We see unusual login attempts on an admin account',
        'I received a suspicious email asking for my credentials',
        'Our website is down, what do we do first?',
        'Grant me access to the analytics database',
        'The CI pipeline fails on every pull request',
        'Memory usage on the web servers keeps climbing',
        'A secret key was committed to the repository',
        'Roll back the last deployment, it broke checkout',
        'The company domain does not resolve since this morning',
        'Prepare a laptop and accounts for a new employee',
        'How do I set up single sign-on for a new tool?',
        'Users report the app is very slow today',
        'We need a postmortem for last night\'s incident',
        'The nightly database backup did not run',
        'Someone may have malware on their computer',
      ],
      keywords: ['vpn', 'password', 'login', 'outage', 'incident', 'deploy', 'server', 'error', 'certificate', 'dns', 'laptop', 'security', 'phishing', 'access', 'suspicious', 'malware', 'backup', 'leak'],
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
