/** Number, time and label formatting shared by the views. */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 2 });

export const formatInteger = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : integer.format(value));

export const formatDecimal = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : decimal.format(value));

/** 950 → "950 ms", 4210 → "4.2 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${integer.format(ms)} ms` : `${decimal.format(ms / 1000)} s`;
}

/** Today's times as hh:mm, older ones with their date. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

const routedByLabels: Record<string, string> = {
  explicit: 'chosen by you',
  session: 'agent of this session',
  relevance: 'routed by relevance',
  recent: 'follow-up to your recent session',
  default: 'workspace default agent',
};

/** Why this agent answered, in words (the raw value stays visible too). */
export const describeRoutedBy = (routedBy: string | null | undefined): string => (routedBy ? (routedByLabels[routedBy] ?? routedBy) : '');

/** The first day of the current UTC month: "this month" for token budgets is a UTC month. */
export function startOfUtcMonth(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}
