/**
 * The MCP server in process, for bench/agents.mjs: the real server (src/mcp/server.ts) and the SDK's
 * real client, linked by the SDK's in-memory transport, so that a call pays for the protocol, the
 * argument checks and the store, but not for a process or a pipe. Each call's wall time is recorded
 * from the client's side; the first `warm` calls are left out (JIT, first reads).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { realDeps } from '../../test/helpers/real-deps.js';

export async function mcpCallsInProcess(cwd: string, env: Record<string, string>, calls: { name: string; arguments: Record<string, unknown> }[], warm = 5): Promise<number[]> {
  const mcp = createMcpServer({ deps: realDeps(cwd, env), version: 'bench', who: {} });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.server.connect(serverSide);
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(clientSide);
  const out: number[] = [];
  try {
    for (let i = 0; i < calls.length; i++) {
      const t = performance.now();
      const r = await client.callTool(calls[i]!);
      const ms = performance.now() - t;
      if (r.isError) throw new Error(`${calls[i]!.name} failed: ${JSON.stringify(r.content)}`);
      if (i >= warm) out.push(ms);
    }
  } finally {
    await client.close();
    await mcp.close();
  }
  return out;
}
