import type { FleetConfig } from '@fleet/config';
import { OpenAiSummarizer } from './openai-summarizer';
import { NoSummarizer, type ReportSummarizer } from './report-summarizer';

/** The summarizer the configuration asks for: none unless `REPORTS_AI_URL` and `REPORTS_AI_MODEL` are both set. */
export function createSummarizer(config: FleetConfig): ReportSummarizer {
  const { url, model, apiKey, timeoutMs } = config.reports.ai;
  return url && model ? new OpenAiSummarizer({ url, model, apiKey, timeoutMs }) : new NoSummarizer();
}
