import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import type { ReportFile } from '@fleet/database';

/** A file name this store writes: `report-<id>.<format>`. */
const FILE = /^report-\d+\.(pdf|csv)$/;

/**
 * Where report files live: one directory (`REPORTS_DIR`), files named after the report, written whole or not at all
 * (a temporary file renamed into place), each recorded with its size and SHA-256.
 */
export class ReportFileStore {
  constructor(readonly dir: string) {}

  /** Writes a report's file, replacing any of the same report and format. */
  async write(reportId: number, format: 'pdf' | 'csv', content: Buffer | string): Promise<ReportFile> {
    const name = `report-${reportId}.${format}`;
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    await mkdir(this.dir, { recursive: true });
    const temporary = join(this.dir, `.${name}.${randomUUID()}.tmp`);
    try {
      await writeFile(temporary, bytes, { flag: 'wx' });
      await rename(temporary, join(this.dir, name));
    } catch (error) {
      await rm(temporary, { force: true });
      throw new Error(`cannot write ${name} in ${this.dir}: ${(error as Error).message}`, { cause: error });
    }
    return { path: name, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  /** The file to stream, or null when it is not (or no longer) here. */
  async open(file: ReportFile): Promise<{ stream: ReadStream; bytes: number } | null> {
    const path = this.resolve(file);
    if (!path) return null;
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      return { stream: createReadStream(path), bytes: info.size };
    } catch {
      return null;
    }
  }

  async remove(file: ReportFile): Promise<void> {
    const path = this.resolve(file);
    if (path) await rm(path, { force: true });
  }

  /** The file's path inside the directory; null for a recorded path that would lead elsewhere. */
  private resolve(file: ReportFile): string | null {
    const name = normalize(file.path);
    if (isAbsolute(name) || name.includes(sep) || !FILE.test(name)) return null;
    return join(this.dir, name);
  }
}
