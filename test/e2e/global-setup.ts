/**
 * Global set-up of the e2e project: the real agent CLIs at their pinned versions, installed into the
 * cache on first use (see clients.ts). GIT_CTX_SKIP_E2E=1 skips the suite (say, offline); without it a
 * failed install fails the run rather than hiding the suite.
 */
import { existsSync } from 'node:fs';
import { ensureClient, type ClientName, type InstalledClient } from './clients.js';
import { BIN } from './workspace.js';

export default async function setup({ provide }: { provide: (key: 'e2eClients', value: Partial<Record<ClientName, InstalledClient>> | undefined) => void }) {
  if (process.env.GIT_CTX_SKIP_E2E === '1') {
    process.stderr.write('e2e: skipped (GIT_CTX_SKIP_E2E=1)\n');
    provide('e2eClients', undefined);
    return;
  }
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (npm test and npm run test:e2e do)`);
  const log = (line: string) => process.stderr.write(`e2e: ${line}\n`);
  // One at a time: two downloads of ~180 MB at once only make each slower.
  const claude = await ensureClient('claude', log);
  const codex = await ensureClient('codex', log);
  provide('e2eClients', { claude, codex });
}
