import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NoSummarizer, OpenAiSummarizer } from '@fleet/reports';
import { maintenanceReport } from '../support/report-fixtures';

/** An OpenAI-compatible endpoint that answers each request with the next of `answers`. */
async function model(answers: { status: number; body: unknown }[]) {
  const seen: { url: string; headers: IncomingHttpHeaders; body: any }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      const answer = answers.shift() ?? { status: 500, body: 'no more answers' };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('report summaries by an OpenAI-compatible model', () => {
  const doc = maintenanceReport();

  it('asks the configured model with the findings and figures, and takes its answer', async () => {
    const m = await model([
      { status: 200, body: { model: 'llama3.1:8b', choices: [{ message: { content: ' Servo 3 runs hot. ' } }] } },
    ]);
    try {
      const summarizer = new OpenAiSummarizer({
        url: `${m.url}/`,
        model: 'llama3.1',
        apiKey: 'k-123',
        timeoutMs: 5_000,
      });
      expect(summarizer.status()).toEqual({
        available: true,
        model: 'llama3.1',
        message: expect.stringContaining('127.0.0.1'),
      });
      await expect(summarizer.summarize(doc)).resolves.toEqual({ text: 'Servo 3 runs hot.', model: 'llama3.1:8b' });
      expect(m.seen[0]?.url).toBe('/v1/chat/completions');
      expect(m.seen[0]?.headers.authorization).toBe('Bearer k-123');
      expect(m.seen[0]?.body).toMatchObject({ model: 'llama3.1', temperature: 0 });
      const user = JSON.parse(m.seen[0]?.body.messages[1].content);
      expect(user.findings).toEqual(doc.findings);
      expect(user).not.toHaveProperty('sections');
    } finally {
      await m.close();
    }
  });

  it('a refusal or an empty answer is an error naming the server; nothing configured says so', async () => {
    const m = await model([
      { status: 503, body: { error: 'loading model' } },
      { status: 200, body: { choices: [{ message: { content: '' } }] } },
    ]);
    try {
      const summarizer = new OpenAiSummarizer({ url: m.url, model: 'x', timeoutMs: 5_000 });
      await expect(summarizer.summarize(doc)).rejects.toThrow(/127\.0\.0\.1:\d+ answered HTTP 503: .*loading model/);
      await expect(summarizer.summarize(doc)).rejects.toThrow(/gave no summary/);
    } finally {
      await m.close();
    }
    const none = new NoSummarizer();
    expect(none.status()).toMatchObject({ available: false, model: null });
    await expect(none.summarize()).rejects.toThrow(/REPORTS_AI_URL/);
  });
});
