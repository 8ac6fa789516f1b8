import fc from 'fast-check';
import { fullBudget, parseBudget, take, type BudgetState } from '../../../shared/domain/write-budget';

const config = { capacity: 3, refillPerSecond: 2 };

test('a full bucket allows its burst, then says when the next token comes', () => {
  let s = fullBudget(config, 0);
  for (let i = 0; i < 3; i++) {
    const r = take(config, s, 0);
    expect(r.ok).toBe(true);
    s = r.state;
  }
  const refused = take(config, s, 0);
  expect(refused).toMatchObject({ ok: false, retryAfterMs: 500 });
  expect(take(config, refused.state, 499).ok).toBe(false);
  expect(take(config, refused.state, 500).ok).toBe(true);
});

test('never more than the burst plus the refill over any period', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 200 }), (gaps) => {
      let s: BudgetState = fullBudget(config, 0);
      let now = 0;
      let granted = 0;
      for (const g of gaps) {
        now += g;
        const r = take(config, s, now);
        s = r.state;
        if (r.ok) granted++;
      }
      return granted <= config.capacity + Math.floor((now / 1000) * config.refillPerSecond) + 1e-9;
    }),
  );
});

test('configuration text', () => {
  expect(parseBudget(undefined)).toEqual({ capacity: 200, refillPerSecond: 10 });
  expect(parseBudget('20/0.5')).toEqual({ capacity: 20, refillPerSecond: 0.5 });
  expect(() => parseBudget('fast')).toThrow(/200\/10/);
});
