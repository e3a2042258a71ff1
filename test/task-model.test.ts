/**
 * The pure rules of tasks (src/model/task.ts): reading a todo line, settling a chain of steps (also
 * after a merge kept versions of one step), readiness with --after and waves, cycles.
 */
import { describe, expect, it } from 'vitest';
import { findCycles, readiness, settleTask, stepItem, stepPath, todoLine, type TaskStep } from '../src/model/task.js';

const ID = '01m7ywd26mw82ge8k8384p1enf';

function step(op: TaskStep['op'], session: string, token: string, prev: string | null, extra: Partial<TaskStep> = {}): TaskStep {
  return { task: ID, op, session, agent: 'a', at: '2026-11-21T10:00:00.000Z', token, prev, ...extra };
}

describe('todo lines', () => {
  it.each([
    ['- [ ] https://example.com/a', { title: 'https://example.com/a' }],
    ['* plain item', { title: 'plain item' }],
    ['+ [ ]   spaced  ', { title: 'spaced' }],
    ['12. [ ] numbered', { title: 'numbered' }],
    ['3) numbered too', { title: 'numbered too' }],
    ['no marker at all', { title: 'no marker at all' }],
    ['- [x] done already', { skip: 'checked' }],
    ['- [X] done already', { skip: 'checked' }],
    ['# Heading', { skip: 'heading' }],
    ['#hashtag is text', { title: '#hashtag is text' }],
    ['', { skip: 'blank' }],
    ['   ', { skip: 'blank' }],
    ['- [ ]', { skip: 'blank' }],
    ['<!-- a comment -->', { skip: 'blank' }],
    ['- line with CRLF\r', { title: 'line with CRLF' }],
  ])('%j', (line, want) => expect(todoLine(line)).toEqual(want));
});

describe('the chain of steps', () => {
  it('claim, release, claim by another, done: open, claimed, done', () => {
    const files = new Map<string, TaskStep>([
      ['start', step('claim', 's1', 'aaaaaaaaaaaaaaaa', null)],
      ['aaaaaaaaaaaaaaaa', step('release', 's1', 'bbbbbbbbbbbbbbbb', 'aaaaaaaaaaaaaaaa')],
    ]);
    expect(settleTask(new Map()).state).toBe('open');
    expect(settleTask(new Map([...files].slice(0, 1)))).toMatchObject({ state: 'claimed', holder: { session: 's1' } });
    expect(settleTask(files)).toMatchObject({ state: 'open', holder: null });
    files.set('bbbbbbbbbbbbbbbb', step('claim', 's2', 'cccccccccccccccc', 'bbbbbbbbbbbbbbbb'));
    files.set('cccccccccccccccc', step('done', 's2', 'dddddddddddddddd', 'cccccccccccccccc', { result: ID }));
    const s = settleTask(files);
    expect(s).toMatchObject({ state: 'done', done: { session: 's2', result: ID } });
    expect(s.chain.map((x) => x.op)).toEqual(['claim', 'release', 'claim', 'done']);
  });

  it('a renewal keeps the time the claim began', () => {
    const s = settleTask(new Map([
      ['start', step('claim', 's1', 'aaaaaaaaaaaaaaaa', null, { at: '2026-11-21T10:00:00.000Z' })],
      ['aaaaaaaaaaaaaaaa', step('claim', 's1', 'bbbbbbbbbbbbbbbb', 'aaaaaaaaaaaaaaaa', { at: '2026-11-21T12:00:00.000Z' })],
    ]));
    expect([s.heldSince, s.holder!.at]).toEqual(['2026-11-21T10:00:00.000Z', '2026-11-21T12:00:00.000Z']);
  });

  it('versions a merge kept: one winner by the claim rule, the loser and what follows it are lost, in any order', () => {
    const early = step('claim', 'zz-early', 'aaaaaaaaaaaaaaaa', null, { at: '2026-11-21T09:00:00.000Z' });
    const late = step('claim', 'aa-late', 'bbbbbbbbbbbbbbbb', null, { at: '2026-11-21T10:00:00.000Z' });
    const lateDone = step('done', 'aa-late', 'cccccccccccccccc', 'bbbbbbbbbbbbbbbb');
    const entries: [string, TaskStep][] = [['start', late], ['start~1a2b3c4d5e6f', early], ['bbbbbbbbbbbbbbbb', lateDone]];
    for (const order of [entries, [...entries].reverse()]) {
      const s = settleTask(new Map(order));
      expect(s).toMatchObject({ state: 'claimed', holder: { session: 'zz-early' } });
      expect(s.lost.map((x) => x.session)).toEqual(['aa-late']);
    }
    // A step the remote decided wins over an earlier one made offline.
    const remote = { ...late, remote: true };
    expect(settleTask(new Map([['start', remote], ['start~1a2b3c4d5e6f', early], ['bbbbbbbbbbbbbbbb', lateDone]]))).toMatchObject({ state: 'done', done: { session: 'aa-late' } });
  });

  it('paths and remote items: the first step and the one after a token', () => {
    expect(stepPath(ID, null)).toBe(`state/tasks/2026/11/${ID}/start`);
    expect(stepPath(ID, 'aaaaaaaaaaaaaaaa')).toBe(`state/tasks/2026/11/${ID}/aaaaaaaaaaaaaaaa`);
    expect([stepItem(ID, null), stepItem(ID, 'aaaaaaaaaaaaaaaa')]).toEqual([ID, `${ID}aaaaaaaaaaaaaaaa`]);
    for (const item of [stepItem(ID, null), stepItem(ID, 'aaaaaaaaaaaaaaaa')]) expect(item).toMatch(/^[0-9a-z]{10,64}$/);
  });
});

describe('readiness', () => {
  const t = (id: string, state: 'open' | 'claimed' | 'done', after: string[] = [], wave: number | null = null) => ({ id, state, after, wave });

  it('after: ready once every task it waits for is done; a task that is gone counts as done', () => {
    const r = readiness([t('a', 'claimed'), t('b', 'open', ['a']), t('c', 'open', ['gone']), t('d', 'done')]);
    expect(r.get('b')).toEqual({ ready: false, blockedBy: ['a'], cycle: null });
    expect(r.get('c')!.ready).toBe(true);
    expect(r.get('d')!.ready).toBe(false); // done is not ready
  });

  it('waves are barriers: every task of every earlier wave must be done; tasks without a wave are outside', () => {
    const r = readiness([t('w1a', 'done', [], 1), t('w1b', 'claimed', [], 1), t('w2', 'open', [], 2), t('w3', 'open', [], 3), t('free', 'open')]);
    expect(r.get('w2')).toEqual({ ready: false, blockedBy: ['w1b'], cycle: null });
    expect(r.get('w3')!.blockedBy).toEqual(['w1b', 'w2']);
    expect(r.get('free')!.ready).toBe(true);
  });

  it('cycles: every task on one is reported and never ready; a task after a cycle waits forever', () => {
    const tasks = [t('a', 'open', ['c']), t('b', 'open', ['a']), t('c', 'open', ['b']), t('d', 'open', ['a']), t('e', 'open', ['e'])];
    const cycles = findCycles(tasks);
    expect(cycles.get('a')).toEqual(['a', 'c', 'b', 'a']);
    expect([...cycles.keys()].sort()).toEqual(['a', 'b', 'c', 'e']);
    const r = readiness(tasks);
    expect(r.get('d')).toMatchObject({ ready: false, cycle: null, blockedBy: ['a'] });
    expect(r.get('e')).toMatchObject({ ready: false, cycle: ['e', 'e'] });
  });

  it('a chain of 20,000 tasks does not overflow the stack', () => {
    const tasks = Array.from({ length: 20_000 }, (_, i) => t(`t${i}`, 'open', i ? [`t${i - 1}`] : []));
    expect(findCycles(tasks).size).toBe(0);
    expect(readiness(tasks).get('t0')!.ready).toBe(true);
  });
});
