import type { GeneratedReport } from '@fleet/contracts';
import { summaryInput, type ReportSummarizer, type SummarizerStatus } from './report-summarizer';

export interface OpenAiSummarizerOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:11434/v1` (Ollama) or `https://api.openai.com/v1`. */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
}

const INSTRUCTIONS =
  'You write the summary at the top of a robot fleet report for operators and their managers. In at most 120 ' +
  'words of plain prose, say what mattered in the period and what to do next. Use only the figures and findings ' +
  'given; do not invent numbers, robots or causes.';

/**
 * Summaries from any server that speaks the OpenAI chat completions API (`POST <url>/chat/completions`): OpenAI,
 * and local model servers such as Ollama, llama.cpp's server, vLLM or LM Studio.
 */
export class OpenAiSummarizer implements ReportSummarizer {
  constructor(private readonly options: OpenAiSummarizerOptions) {}

  status(): SummarizerStatus {
    const host = new URL(this.options.url).host;
    return {
      available: true,
      model: this.options.model,
      message: `Summaries are written by ${this.options.model} at ${host} when a report asks for one`,
    };
  }

  async summarize(doc: GeneratedReport): Promise<{ text: string; model: string }> {
    const endpoint = `${this.options.url.replace(/\/+$/, '')}/chat/completions`;
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.options.apiKey && { authorization: `Bearer ${this.options.apiKey}` }),
      },
      body: JSON.stringify({
        model: this.options.model,
        temperature: 0,
        messages: [
          { role: 'system', content: INSTRUCTIONS },
          { role: 'user', content: JSON.stringify(summaryInput(doc)) },
        ],
      }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) {
      const body = (await response.text().catch(() => '')).slice(0, 300);
      throw new Error(`the language model at ${new URL(endpoint).host} answered HTTP ${response.status}: ${body}`);
    }
    const answer = (await response.json()) as { choices?: { message?: { content?: unknown } }[]; model?: unknown };
    const text = answer.choices?.[0]?.message?.content;
    if (typeof text !== 'string' || text.trim() === '') {
      throw new Error(`the language model at ${new URL(endpoint).host} gave no summary`);
    }
    return {
      text: text.trim().slice(0, 4_000),
      model: typeof answer.model === 'string' ? answer.model : this.options.model,
    };
  }
}
