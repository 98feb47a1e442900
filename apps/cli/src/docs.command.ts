import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { renderAsyncApiDocument } from '@fleet/contracts';
import type { CliIo } from './cli';

/**
 * `fleet docs asyncapi [--out <file>]`: the AsyncAPI document of the robot MQTT contract, generated from
 * libs/contracts, on standard output or into a file (`npm run docs:asyncapi` keeps docs/asyncapi.json current).
 */
export function registerDocsCommand(program: Command, io: CliIo, onRun: () => void): void {
  const docs = program.command('docs').description('generated documentation');
  docs
    .command('asyncapi')
    .description('the AsyncAPI 3 document of the robot MQTT topics and payloads')
    .option('--out <file>', 'write it to this file instead of standard output')
    .action(async (options: { out?: string }) => {
      onRun();
      await writeAsyncApi(io, options.out);
    });
}

async function writeAsyncApi(io: CliIo, out: string | undefined): Promise<void> {
  const document = renderAsyncApiDocument();
  if (out === undefined) {
    io.out(document);
    return;
  }
  const path = resolve(out);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, document);
  io.out(`wrote ${out}\n`);
}
