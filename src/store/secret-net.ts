/**
 * The last line of defence of storage invariant 7: every change is screened here, inside
 * Store.commit, before any of its content is hashed. No caller can skip it except by saying so
 * (`allowSecrets`, which the command line sets only for `--allow-secrets`).
 *
 * Writers of entries redact field by field first (core: `redactEntry`), which reports each secret by
 * field and lets the entry's header encoder quote the marker like any other text. This net then works
 * on the raw text of every file, the commit message and the identity, and normally finds nothing; it
 * exists so that a writer that forgets (a new command, a state file, a merge of foreign text) still
 * cannot put a secret into an object. A redacted span never holds a `"` nor half of a backslash escape
 * (findSecrets cuts it around them), so redacting inside a JSON header value keeps it valid JSON, and
 * the entry reader reads a plain header value that starts with a marker as text (see decodeValue in
 * model/entry.ts).
 */
import { findSecrets, redactField, textForScan, type Redaction } from '../model/secrets.js';
import { InvalidInputError } from '../errors.js';
import type { Change, FileWrite } from './store.js';

export interface Screened {
  change: Change;
  redactions: Redaction[];
}

function screenContent(path: string, content: string | Buffer, out: Redaction[]): string | Buffer {
  if (typeof content === 'string') {
    const r = redactField(path, content);
    out.push(...r.redactions);
    return r.text;
  }
  const { text, encoding } = textForScan(content);
  const r = redactField(path, text);
  if (r.redactions.length === 0) return content;
  out.push(...r.redactions);
  return Buffer.from(r.text, encoding);
}

/** Redact every secret in a change. A path holding a secret cannot be redacted in place: refused. */
export function screenChange(change: Change): Screened {
  const redactions: Redaction[] = [];
  const add: FileWrite[] = change.add.map((f) => {
    const inPath = findSecrets(f.path);
    if (inPath.length) {
      throw new InvalidInputError('E_SECRET_IN_PATH', `a name that becomes a path holds a secret (${inPath.map((s) => s.kind).join(', ')})`, {
        data: { kinds: inPath.map((s) => s.kind) },
        hint: 'choose another name, or pass --allow-secrets to store it as given',
      });
    }
    const content = screenContent(f.path, f.content, redactions);
    return content === f.content ? f : { ...f, content };
  });
  const message = redactField('commit message', change.message);
  const name = redactField('author.name', change.author.name);
  const email = redactField('author.email', change.author.email);
  redactions.push(...message.redactions, ...name.redactions, ...email.redactions);
  if (redactions.length === 0) return { change, redactions };
  return { change: { ...change, add, message: message.text, author: { name: name.text, email: email.text } }, redactions };
}
