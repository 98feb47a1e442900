import PDFDocument from 'pdfkit';
import { sanitizeWinAnsi } from './text';

/** A4 portrait in points, with room above for the running header and below for the footer. */
export const PAGE = { width: 595.28, height: 841.89, left: 50, right: 50, top: 64, bottom: 60 } as const;
export const CONTENT_WIDTH = PAGE.width - PAGE.left - PAGE.right;

export const COLOR = {
  text: '#1f2933',
  muted: '#6b7280',
  faint: '#9aa1ab',
  rule: '#d3d8de',
  grid: '#e6e9ed',
  headerFill: '#e3e8ef',
  zebra: '#f5f7fa',
  box: '#f3f6fa',
  accent: '#1d4f91',
  critical: '#c62828',
  warning: '#e09400',
  info: '#1e6fd9',
} as const;

/** Series colours, distinguishable in print and for the common colour-vision deficiencies (Okabe–Ito first). */
export const SERIES_COLORS = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#d55e00',
  '#cc79a7',
  '#56b4e9',
  '#7f6d00',
  '#5b5b5b',
  '#8e44ad',
  '#1abc9c',
] as const;

export type FontName = 'Helvetica' | 'Helvetica-Bold' | 'Helvetica-Oblique';

export interface TextStyle {
  font?: FontName;
  size?: number;
  color?: string;
}

export interface DrawOptions extends TextStyle {
  /** Cut the text with "…" to this width; with `align`, the box it is aligned in. */
  width?: number;
  align?: 'left' | 'right' | 'center';
}

export interface PdfInfo {
  title: string;
  author: string;
  subject: string;
  createdAt: Date;
}

const ELLIPSIS = '…';
/** Widths computed from the same measure can differ in the last bit; such a text still fits. */
const SLACK = 0.01;

export function lineHeight(size: number): number {
  return size * 1.25;
}

/**
 * A pdfkit document with a cursor that knows the page: every block asks for the room it needs, and a new page gets
 * the same margins. Text is drawn one line at a time with `lineBreak: false`, so pdfkit never breaks a page on its
 * own and the layout stays ours (and the same on every run).
 */
export class PdfLayout {
  readonly doc: PDFKit.PDFDocument;
  y: number = PAGE.top;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;

  constructor(info: PdfInfo) {
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: PAGE.top, bottom: PAGE.bottom, left: PAGE.left, right: PAGE.right },
      bufferPages: true,
      // pdfkit's file id hashes the info, so a fixed CreationDate makes the output the same bytes every time.
      info: {
        Title: info.title,
        Author: info.author,
        Subject: info.subject,
        Creator: 'Fleet',
        Producer: 'Fleet (PDFKit)',
        CreationDate: info.createdAt,
        ModDate: info.createdAt,
      },
    });
    this.done = new Promise<Buffer>((resolve, reject) => {
      this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk));
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.doc.on('error', reject);
    });
  }

  get left(): number {
    return PAGE.left;
  }

  get right(): number {
    return PAGE.width - PAGE.right;
  }

  get bottom(): number {
    return PAGE.height - PAGE.bottom;
  }

  style(s: TextStyle): this {
    this.doc
      .font(s.font ?? 'Helvetica')
      .fontSize(s.size ?? 9)
      .fillColor(s.color ?? COLOR.text);
    return this;
  }

  /** Width of already sanitised text in the style. */
  measure(text: string, s: TextStyle): number {
    this.doc.font(s.font ?? 'Helvetica').fontSize(s.size ?? 9);
    return this.doc.widthOfString(text);
  }

  /** Sanitised text cut with "…" to fit `width`. */
  clip(text: string, width: number, s: TextStyle): string {
    const safe = sanitizeWinAnsi(text);
    if (this.measure(safe, s) <= width + SLACK) return safe;
    let lo = 0;
    let hi = safe.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.measure(safe.slice(0, mid).trimEnd() + ELLIPSIS, s) <= width + SLACK) lo = mid;
      else hi = mid - 1;
    }
    return lo === 0 ? '' : safe.slice(0, lo).trimEnd() + ELLIPSIS;
  }

  /** Sanitised lines of at most `width`; a word longer than a line is split. At most `maxLines`, the last cut. */
  wrap(text: string, width: number, s: TextStyle, maxLines = Infinity): string[] {
    const lines: string[] = [];
    for (const paragraph of text.split(/\r?\n/)) {
      const words = sanitizeWinAnsi(paragraph).split(' ').filter(Boolean);
      let line = '';
      for (let word of words) {
        const candidate = line ? `${line} ${word}` : word;
        if (this.measure(candidate, s) <= width + SLACK) {
          line = candidate;
          continue;
        }
        if (line) lines.push(line);
        while (this.measure(word, s) > width + SLACK && word.length > 1) {
          let cut = word.length - 1;
          while (cut > 1 && this.measure(word.slice(0, cut), s) > width + SLACK) cut--;
          lines.push(word.slice(0, cut));
          word = word.slice(cut);
        }
        line = word;
      }
      lines.push(line);
    }
    if (lines.length <= maxLines) return lines;
    const kept = lines.slice(0, maxLines - 1);
    // The rest did not fit on the last line, so fitting it there ends it with "…".
    kept.push(this.clip(lines.slice(maxLines - 1).join(' '), width, s));
    return kept;
  }

  /** One line at (x, y), top of the line box. */
  draw(text: string, x: number, y: number, o: DrawOptions = {}): void {
    const safe = o.width === undefined ? sanitizeWinAnsi(text) : this.clip(text, o.width, o);
    if (!safe) return;
    let left = x;
    if (o.align && o.align !== 'left' && o.width !== undefined) {
      const w = this.measure(safe, o);
      left = o.align === 'right' ? x + o.width - w : x + (o.width - w) / 2;
    }
    this.style(o);
    this.doc.text(safe, left, y, { lineBreak: false });
  }

  remaining(): number {
    return this.bottom - this.y;
  }

  /** Starts a new page unless `height` still fits; true when it did. */
  ensure(height: number): boolean {
    if (this.y + height <= this.bottom) return false;
    this.newPage();
    return true;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = PAGE.top;
  }

  gap(points: number): void {
    this.y += points;
  }

  /** Wrapped text from the cursor, breaking pages between lines. */
  paragraph(text: string, o: TextStyle & { x?: number; width?: number; gap?: number } = {}): void {
    const size = o.size ?? 9;
    const x = o.x ?? this.left;
    const width = o.width ?? this.right - x;
    for (const line of this.wrap(text, width, o)) {
      this.ensure(lineHeight(size));
      this.draw(line, x, this.y, o);
      this.y += lineHeight(size);
    }
    this.y += o.gap ?? 4;
  }

  /** A section heading, kept on a page with `keepWith` points of what follows. */
  heading(text: string, keepWith = 120): void {
    if (this.y > PAGE.top) this.y += 10;
    this.ensure(30 + keepWith);
    this.draw(text, this.left, this.y, { font: 'Helvetica-Bold', size: 14, color: COLOR.accent });
    this.y += 19;
    this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(0.8).strokeColor(COLOR.accent).stroke();
    this.y += 9;
  }

  subheading(text: string, keepWith = 60): void {
    this.ensure(18 + keepWith);
    this.draw(text, this.left, this.y, { font: 'Helvetica-Bold', size: 10 });
    this.y += 15;
  }

  /**
   * Writes the running header (pages after the first) and footer on every page, then ends the document. Drawn
   * last, into the buffered pages, so the footer can say "of M".
   */
  finish(header: { left: string; right: string }, footerTitle: string): Promise<Buffer> {
    const { start, count } = this.doc.bufferedPageRange();
    for (let i = start; i < start + count; i++) {
      this.doc.switchToPage(i);
      const small: DrawOptions = { size: 7.5, color: COLOR.muted };
      if (i > start) {
        const right = this.clip(header.right, CONTENT_WIDTH * 0.5, small);
        const rightWidth = this.measure(right, small);
        this.draw(header.left, this.left, 32, { ...small, width: CONTENT_WIDTH - rightWidth - 16 });
        this.draw(right, this.right - rightWidth, 32, small);
        this.doc.moveTo(this.left, 44).lineTo(this.right, 44).lineWidth(0.5).strokeColor(COLOR.rule).stroke();
      }
      const pageText = ` · page ${i - start + 1} of ${count}`;
      const room = CONTENT_WIDTH - this.measure(`Fleet · ${pageText}`, small);
      const footer = `Fleet · ${this.clip(footerTitle, room, small)}${pageText}`;
      const y = PAGE.height - 36;
      this.doc
        .moveTo(this.left, y - 6)
        .lineTo(this.right, y - 6)
        .lineWidth(0.5)
        .strokeColor(COLOR.rule)
        .stroke();
      this.draw(footer, this.left, y, { ...small, width: CONTENT_WIDTH, align: 'center' });
    }
    this.doc.end();
    return this.done;
  }
}
