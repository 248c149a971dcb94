// The fault suite's pure parts: the seeded kill plan and the checks of what the system wrote.
import { checkRoundFiles, planKills } from './killScenario.js';
import { checkDelivery, type QueuedMessage, type ReceivedMessage } from './records.js';

describe('planKills', () => {
  test.each([
    [13, 3],
    [7, 20],
    [2117124844, 20],
  ])('seed %i, %i kills per part: every part that often, at most 3 a round and 1 of the agent, none in round 1 or the cut rounds', (seed, perPart) => {
    const { rounds, cutRounds, plan } = planKills(seed, perPart);
    for (const part of ['apiserver', 'gm', 'lc', 'agent']) expect(plan.filter((k) => k.part === part)).toHaveLength(perPart);
    for (let round = 1; round <= rounds; round++) {
      const kills = plan.filter((k) => k.round === round);
      expect(kills.length).toBeLessThanOrEqual(3);
      expect(kills.filter((k) => k.part === 'agent').length).toBeLessThanOrEqual(1);
      if (round === 1 || cutRounds.includes(round)) expect(kills).toEqual([]);
    }
    expect(Math.max(...plan.map((k) => k.round), ...cutRounds)).toBe(rounds);
    expect(planKills(seed, perPart)).toEqual({ rounds, cutRounds, plan });
  });
});

describe('checkRoundFiles', () => {
  const appended = ['a', 'b', 'c', 'd', 'e', 'f'];
  test('each sample trained once or new in one eval file, eval files holding the recent versions: no problem', () => {
    const train = new Map([
      [1, ['a', 'b']],
      [2, ['d', 'e']],
    ]);
    const evals = new Map([
      [1, ['c']],
      [2, ['c', 'f']],
    ]);
    expect(checkRoundFiles(train, evals, appended)).toEqual([]);
  });

  test('a sample lost, trained twice, or a line never appended, is named', () => {
    const train = new Map([
      [1, ['a', 'b']],
      [2, ['b', 'e', 'x']],
    ]);
    const evals = new Map([[1, ['c', 'f']]]);
    expect(checkRoundFiles(train, evals, appended)).toEqual([
      '1 appended samples in no round file, e.g. d',
      '1 samples counted twice (trained twice, or trained and evaluated, or new in two eval files), e.g. b',
      '1 lines in round files that were never appended, e.g. x',
    ]);
  });
});

describe('checkDelivery', () => {
  const queued = (id: string, seq: number, object = 'incrementallearningjob/j'): QueuedMessage => ({ id, object, order: [1, seq] });
  const received = (id: string, arrival: number, result = 'applied', object = 'incrementallearningjob/j'): ReceivedMessage => ({ id, object, order: [1, arrival], result });

  test('every message received once, in order: sent = received, nothing lost', () => {
    expect(checkDelivery([queued('a', 1), queued('b', 2)], [received('a', 1), received('b', 2), received('a', 3, 'duplicate')])).toEqual({
      sent: 2,
      received: 2,
      lost: [],
      replays: 1,
      appliedTwice: [],
      outOfOrder: [],
      unlogged: 0,
    });
  });

  test('a message lost, applied twice or overtaken is named', () => {
    const check = checkDelivery([queued('a', 1), queued('b', 2), queued('c', 3)], [received('b', 1), received('a', 2), received('a', 3)]);
    expect(check.lost).toEqual(['incrementallearningjob/j c']);
    expect(check.appliedTwice).toEqual(['a applied 2 times']);
    expect(check.outOfOrder).toEqual(['incrementallearningjob/j: b was queued after a but received before it']);
  });
});
