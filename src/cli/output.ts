/**
 * Rendering for people and for programs. With --json, stdout carries exactly one JSON object
 * `{ "schemaVersion": 1, ... }`; otherwise plain text, coloured only on a terminal without NO_COLOR.
 * Text that came from entries is neutralised before it reaches a terminal: control characters, escape
 * sequences and bidirectional overrides are shown as visible escapes, never interpreted.
 */
export interface OutputOptions {
  json: boolean;
  color: boolean;
  write(text: string): void;
}

/** Make untrusted text safe to print (see model/text.ts). */
export { safe } from '../model/text.js';

/** Items per write of resultList. */
const LIST_BATCH = 1000;

export class Output {
  constructor(private readonly opts: OutputOptions) {}

  get json(): boolean {
    return this.opts.json;
  }

  /** Emit the command's JSON result (only in --json mode). */
  result(payload: Record<string, unknown>): void {
    if (this.opts.json) this.opts.write(`${JSON.stringify({ schemaVersion: 1, ...payload })}\n`);
  }

  /**
   * Emit a JSON result whose `key` holds a long list, each item mapped by `item` as it is written, a
   * batch at a time: the same bytes as result() with the mapped list, without a copy of every item or
   * one string of the whole (`log -n 0 --json` at 100k entries is ~90 MB).
   */
  resultList<T>(payload: Record<string, unknown>, key: string, item: (x: T) => unknown): void {
    if (!this.opts.json) return;
    let text = '{';
    for (const [k, v] of Object.entries({ schemaVersion: 1, ...payload })) {
      if (v === undefined) continue;
      if (text !== '{') text += ',';
      text += `${JSON.stringify(k)}:`;
      if (k !== key) {
        text += JSON.stringify(v);
        continue;
      }
      const list = v as unknown as readonly T[];
      this.opts.write(`${text}[`);
      for (let i = 0; i < list.length; i += LIST_BATCH) this.opts.write(`${i ? ',' : ''}${JSON.stringify(list.slice(i, i + LIST_BATCH).map(item)).slice(1, -1)}`);
      text = ']';
    }
    this.opts.write(`${text}}\n`);
  }

  /** Emit human text (only when not in --json mode). */
  text(text: string): void {
    if (!this.opts.json) this.opts.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  paint(code: 'dim' | 'bold' | 'yellow' | 'cyan' | 'green' | 'red' | 'magenta', s: string): string {
    if (!this.opts.color) return s;
    const codes = { dim: 2, bold: 1, yellow: 33, cyan: 36, green: 32, red: 31, magenta: 35 } as const;
    return `\u001b[${codes[code]}m${s}\u001b[0m`;
  }
}
