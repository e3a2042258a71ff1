/**
 * send: a message to a session, an agent, or all (the default). A message is an entry of kind
 * `message`; whether it was read is recorded per reader under state/read/ (see inbox).
 */
import type { Ctx, WhoOptions } from '../context.js';
import { addEntry } from '../entries/add.js';
import type { StoredEntry } from '../../model/entry.js';
import { ALL } from '../../model/address.js';

export interface SendInput extends WhoOptions {
  text: string;
  to?: string;
  title?: string;
}

export async function sendMessage(ctx: Ctx, input: SendInput): Promise<{ entry: StoredEntry }> {
  const { entry } = await addEntry(ctx, { kind: 'message', body: input.text, title: input.title, to: input.to ?? ALL, agent: input.agent, session: input.session, allowSecrets: input.allowSecrets });
  return { entry };
}
