/**
 * Who a handoff or a message is for. `to` is a session id, an agent name, or `all`; an entry without
 * `to` (written by `add -k handoff` without --to) is for all.
 */
export interface Reader {
  session: string;
  agent: string;
  /**
   * Other ids of this reader, unique to it: the place it runs in (`<folder>:<branch>@<hex>`, see
   * model/session-id.ts). Messages to them reach it, its receipts under them count as its own, and what
   * it sent under them is its own.
   */
  also?: readonly string[];
  /**
   * The place's name in earlier versions (`<folder>:<branch>`), which other clones may share: messages
   * to it reach this reader; receipts under it count only for messages older than this clone's first
   * use of place ids (see core/mailbox/mailbox.ts).
   */
  label?: string;
}

export const ALL = 'all';

export function addressedTo(to: string | null, reader: Reader): boolean {
  return to === null || to === ALL || to === reader.session || to === reader.agent || to === reader.label || (!!reader.also && reader.also.includes(to));
}

/** Whether `session` (an entry's writer) is this reader, under any of its unique ids. */
export function isReader(session: string, reader: Reader): boolean {
  return session === reader.session || (!!reader.also && reader.also.includes(session));
}
