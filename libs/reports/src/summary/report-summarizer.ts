import type { GeneratedReport } from '@fleet/contracts';

/** What the optional language-model summary says of itself (`GET /reports/ai-status`). */
export interface SummarizerStatus {
  available: boolean;
  /** The model, when one is configured. */
  model: string | null;
  message: string;
}

/**
 * Writes a report's summary in words. Off by default: findings are computed by rules and need no model; a summary is
 * an addition an operator asks for.
 */
export interface ReportSummarizer {
  status(): SummarizerStatus;
  /** The summary of `doc`; rejects when the model cannot be reached or answers nothing usable. */
  summarize(doc: GeneratedReport): Promise<{ text: string; model: string }>;
}

/** No summaries: nothing is configured. */
export class NoSummarizer implements ReportSummarizer {
  status(): SummarizerStatus {
    return {
      available: false,
      model: null,
      message:
        'No language model is configured: reports carry their findings, computed by rules. Set REPORTS_AI_URL ' +
        '(an OpenAI-compatible chat API) and REPORTS_AI_MODEL to add summaries.',
    };
  }

  summarize(): Promise<never> {
    return Promise.reject(new Error('no language model is configured (REPORTS_AI_URL)'));
  }
}

/** The part of a report a model is shown: what it covers, its findings and its headline figures. */
export function summaryInput(doc: GeneratedReport): Record<string, unknown> {
  const { sections, ...rest } = doc;
  const headline: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sections)) {
    if (key === 'timeline') continue;
    headline[key] = Array.isArray(value) ? value.slice(0, 20) : value;
  }
  return { ...rest, coverage: { ...rest.coverage, robots: rest.coverage.robots.length }, headline };
}
