/**
 * One MCP claimer for bench/tasks.mjs: the real server (src/mcp/server.ts) and the SDK's client in
 * process, calling ctx_task claim then ctx_task done until nothing is left. Returns each claim's wall
 * ms (client side) and the ids it got.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { realDeps } from '../../test/helpers/real-deps.js';

export async function claimLoop(cwd: string, env: Record<string, string>): Promise<{ ms: number; ids: string[] }[]> {
  const mcp = createMcpServer({ deps: realDeps(cwd, env), version: 'bench', who: {} });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.server.connect(serverSide);
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(clientSide);
  const out: { ms: number; ids: string[] }[] = [];
  const call = async (args: Record<string, unknown>) => {
    const r = await client.callTool({ name: 'ctx_task', arguments: args });
    if (r.isError) throw new Error(`ctx_task ${String(args.action)} failed: ${JSON.stringify(r.content)}`);
    return JSON.parse((r.content as { text: string }[])[0]!.text) as { claimed: { id: string }[] };
  };
  try {
    for (let i = 0; i < 10_000; i++) {
      const t = performance.now();
      const r = await call({ action: 'claim' });
      const ids = r.claimed.map((c) => c.id);
      out.push({ ms: performance.now() - t, ids });
      if (!ids.length) break;
      for (const id of ids) await call({ action: 'done', id, text: 'done' });
    }
  } finally {
    await client.close();
    await mcp.close();
  }
  return out;
}
