import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { collect, allowSecretsOption, common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { addEntry } from '../../core/entries/add.js';
import { addJson } from '../../results/json.js';
import { reportRedactions } from '../secrets.js';
import { bodyTooLarge, decodeText } from '../../model/validate.js';
import { maxBodyBytes } from '../../core/context.js';
import { KINDS } from '../../model/kinds.js';
import { UsageError } from '../../errors.js';

interface AddOpts extends CommonOpts {
  kind?: string;
  title?: string;
  message?: string[];
  file?: string;
  topic?: string;
  tag?: string[];
  ref?: string[];
  to?: string;
  allowSecrets?: boolean;
  supersedes?: string[];
}

/** At most `max + 1` bytes of a file: enough to refuse one that is too large (or endless, like /dev/zero). */
function readAtMost(path: string, max: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, max + 1 - size));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      size += n;
      if (size > max) break;
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/**
 * The body from -m (joined as paragraphs, like git commit), -F FILE, -F - or piped stdin. Files and
 * pipes are read only up to the size limit: a larger one is refused before it is held in memory.
 */
export async function readBody(io: CliIO, message: string[] | undefined, file: string | undefined, maxBytes = Number.MAX_SAFE_INTEGER - 1): Promise<string> {
  if (message?.length && file) throw new UsageError('give the text with -m or -F, not both');
  if (message?.length) return message.join('\n\n');
  if (file && file !== '-') {
    let bytes: Buffer;
    try {
      bytes = readAtMost(resolve(io.deps.cwd, file), maxBytes);
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { code: 'E_FILE' });
    }
    if (bytes.length > maxBytes) throw bodyTooLarge(maxBytes);
    return decodeText(bytes, file);
  }
  const stdin = await io.readStdin(maxBytes);
  if (stdin === null) throw new UsageError('no text given', { code: 'E_EMPTY', hint: 'give it with -m TEXT, -F FILE, or on stdin' });
  if (stdin.length > maxBytes) throw bodyTooLarge(maxBytes);
  return decodeText(stdin, 'stdin');
}

export function register(program: Command, io: CliIO): void {
  allowSecretsOption(common(program.command('add')))
    .option('-k, --kind <kind>', `one of ${KINDS.join(', ')}`, 'note')
    .option('-t, --title <title>', 'one-line title (default: the first line of the text)')
    .option('-m, --message <text>', 'the text (repeat for paragraphs)', collect)
    .option('-F, --file <file>', 'read the text from a file (- for stdin)')
    .option('--topic <topic>', 'a topic to group entries by')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .option('--ref <path>', 'a repository path this entry is about (repeatable)', collect)
    .option('--to <who>', 'addressee: a session, an agent, or all')
    .option('--supersedes <id>', 'a decision this decision replaces (repeatable; a unique id prefix is enough)', collect)
    .action((opts: AddOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        const body = await readBody(io, opts.message, opts.file, maxBodyBytes(ctx));
        const r = await addEntry(ctx, { ...opts, body, tags: opts.tag, refs: opts.ref });
        reportRedactions(io.deps, r.redactions, r.secretsKept);
        out.result(addJson(r));
        out.text(r.entry.id);
      }),
    );
}
