import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { collect, common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { addEntry } from '../../core/add.js';
import { entryJson } from '../json.js';
import { redactionJson, reportRedactions } from '../secrets.js';
import { decodeText } from '../../model/validate.js';
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
}

/** The body from -m (joined as paragraphs, like git commit), -F FILE, -F - or piped stdin. */
export async function readBody(io: CliIO, message: string[] | undefined, file: string | undefined): Promise<string> {
  if (message?.length && file) throw new UsageError('give the text with -m or -F, not both');
  if (message?.length) return message.join('\n\n');
  if (file && file !== '-') {
    let bytes: Buffer;
    try {
      bytes = readFileSync(resolve(io.deps.cwd, file));
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { code: 'E_FILE' });
    }
    return decodeText(bytes, file);
  }
  const stdin = await io.readStdin();
  if (stdin === null) throw new UsageError('no text given', { code: 'E_EMPTY', hint: 'give it with -m TEXT, -F FILE, or on stdin' });
  return decodeText(stdin, 'stdin');
}

export function registerAdd(program: Command, io: CliIO): void {
  common(program.command('add'))
    .description('write one entry; prints its id')
    .option('-k, --kind <kind>', `one of ${KINDS.join(', ')}`, 'note')
    .option('-t, --title <title>', 'one-line title (default: the first line of the text)')
    .option('-m, --message <text>', 'the text (repeat for paragraphs)', collect)
    .option('-F, --file <file>', 'read the text from a file (- for stdin)')
    .option('--topic <topic>', 'a topic to group entries by')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .option('--ref <path>', 'a repository path this entry is about (repeatable)', collect)
    .option('--to <who>', 'addressee: a session, an agent, or all')
    .option('--allow-secrets', 'store text that looks like a secret as given (default: replace it with [REDACTED:<kind>])')
    .action((opts: AddOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        const body = await readBody(io, opts.message, opts.file);
        const { entry, attempts, redactions, secretsKept } = await addEntry(ctx, { ...opts, body, tags: opts.tag, refs: opts.ref });
        reportRedactions(io.deps, redactions, secretsKept);
        out.result({ id: entry.id, entry: entryJson(entry), attempts, redactions: redactions.map(redactionJson), secretsKept: secretsKept.map(redactionJson) });
        out.text(entry.id);
      }),
    );
}
