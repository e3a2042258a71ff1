/**
 * Who a handoff or a message is for. `to` is a session id, an agent name, or `all`; an entry without
 * `to` (written by `add -k handoff` without --to) is for all.
 */
export interface Reader {
  session: string;
  agent: string;
}

export const ALL = 'all';

export function addressedTo(to: string | null, reader: Reader): boolean {
  return to === null || to === ALL || to === reader.session || to === reader.agent;
}
