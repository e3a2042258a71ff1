/**
 * Real git servers on 127.0.0.1 for sync tests, started and stopped by the tests: git's smart HTTP
 * (`git http-backend` run as CGI by a small Node web server, with basic authentication), ssh (the
 * system's sshd, when installed), and a server that accepts connections and never answers.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { ENV, tempDir } from './repo.js';
import { freePort } from './remote.js';

export interface HttpGit {
  /** `http://127.0.0.1:<port>/<name>` for a repository `<root>/<name>`, without credentials. */
  url(name: string): string;
  port: number;
  /** Requests answered, by path (for tests that check what reached the server). */
  requests: number;
  stop(): Promise<void>;
}

/**
 * `git http-backend` behind a Node web server: every request needs basic auth `user:password`
 * (401 with a challenge otherwise, so git asks its credential helper), and pushes are allowed.
 */
export async function startHttpGit(root: string, user: string, password: string): Promise<HttpGit> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const children = new Set<ChildProcess>();
  let requests = 0;
  const server: Server = createHttpServer((req, res) => {
    requests++;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      req.resume();
      return;
    }
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const env: Record<string, string> = {
      ...ENV,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(u.pathname),
      QUERY_STRING: u.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: user,
      REMOTE_ADDR: '127.0.0.1',
    };
    if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
    if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    children.add(child);
    child.on('close', () => children.delete(child));
    child.stdin.on('error', () => {});
    req.pipe(child.stdin);
    // CGI: headers, a blank line, the body.
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (/^status$/i.test(name)) status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    child.stdout.on('end', () => res.end());
    child.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    port,
    get requests() {
      return requests;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const c of children) c.kill('SIGKILL');
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A credential helper answering `user:password` for every URL (git config credential.helper). */
export function credentialHelper(user: string, password: string): string {
  return `!f() { test "$1" = get && echo username=${user} && echo password=${password}; }; f`;
}

export interface Sshd {
  port: number;
  /** GIT_SSH_COMMAND for clients: the test's key, no host key prompts. */
  sshCommand: string;
  /** `ssh://<user>@127.0.0.1:<port><path>` for an absolute path. */
  url(path: string): string;
  stop(): Promise<void>;
}

const SSHD = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((p) => existsSync(p));

/**
 * The system's sshd on 127.0.0.1 with a key made for the test, or the reason it cannot run here
 * (not installed: Debian's openssh-server; run as root without /run/sshd, which it then creates).
 */
export async function startSshd(): Promise<Sshd | { skip: string }> {
  if (!SSHD) return { skip: 'sshd is not installed (Debian: apt-get install openssh-server)' };
  const isRoot = process.getuid?.() === 0;
  if (isRoot && !existsSync('/run/sshd')) {
    try {
      mkdirSync('/run/sshd', { mode: 0o755 });
    } catch (e) {
      return { skip: `sshd needs /run/sshd: ${(e as Error).message}` };
    }
  }
  const dir = tempDir('git-ctx-sshd-');
  for (const key of ['host_key', 'id']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, key)], { env: ENV });
  execFileSync('cp', [join(dir, 'id.pub'), join(dir, 'authorized_keys')]);
  const port = await freePort();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'AcceptEnv GIT_PROTOCOL',
      '',
    ].join('\n'),
  );
  const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (b) => (log += b));
  const user = userInfo().username;
  const sshCommand = `ssh -i ${join(dir, 'id')} -o UserKnownHostsFile=${join(dir, 'known_hosts')} -o StrictHostKeyChecking=no -o BatchMode=yes -o LogLevel=ERROR -p ${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return { skip: `sshd did not start: ${log.trim().split('\n').pop()}` };
    try {
      execFileSync('sh', ['-c', `${sshCommand} ${user}@127.0.0.1 true`], { stdio: 'ignore', timeout: 5000 });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (i === 99) return { skip: `sshd did not answer: ${log.trim().split('\n').pop()}` };
  }
  return {
    port,
    sshCommand,
    url: (path) => `ssh://${user}@127.0.0.1:${port}${path}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface Silent {
  port: number;
  /** Connections accepted (and never answered) so far. */
  accepted: number;
  stop(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that accepts every connection and never sends a byte. */
export async function startSilentServer(): Promise<Silent> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createTcpServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get accepted() {
      return accepted;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
