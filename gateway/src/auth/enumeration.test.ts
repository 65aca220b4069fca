import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, signUp, uniqueEmail } from '../app/authFlows';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../app/testGateway';

let gw: TestGateway;
beforeAll(async () => {
  // Throttles out of the way: this file makes many failed logins from one address on purpose.
  gw = await startTestGateway({ policy: { loginFailuresPerAccount: 1000, loginFailuresPerIp: 1000 } });
});
afterAll(() => gw.close());

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Times two kinds of request, interleaved so that load on the machine hits both alike, and
 * returns the ratio of their medians. Without the equalising work one side is ~30x faster
 * (a bcrypt round at cost 10 against a lookup), so a 0.5–2 band is both robust and sharp.
 */
async function medianRatio(a: () => Promise<Response>, b: () => Promise<Response>, rounds = 5): Promise<number> {
  const times: [number[], number[]] = [[], []];
  await a();
  await b(); // warm-up: first-call costs (the dummy hash, JIT) are not what we measure
  for (let i = 0; i < rounds; i += 1) {
    for (const [index, call] of [a, b].entries()) {
      const start = performance.now();
      await (await call()).arrayBuffer();
      times[index]!.push(performance.now() - start);
    }
  }
  return median(times[0]) / median(times[1]);
}

describe('existing and unknown accounts look alike', () => {
  it('sign-up answers the same, and mails the owner a notice instead of a code', async () => {
    const email = uniqueEmail('owner');
    await signUp(gw, email);
    const existing = await gw.request('POST', '/api/auth/register', { body: { email, password: TEST_PASSWORD, name: 'Eve' } });
    const fresh = await gw.request('POST', '/api/auth/register', { body: { email: uniqueEmail('new'), password: TEST_PASSWORD, name: 'Eve' } });
    expect(existing.status).toBe(202);
    expect(fresh.status).toBe(202);
    expect(await existing.json()).toEqual(await fresh.json());
    const notice = await gw.takeMail(email, 'tried to sign up');
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
  });

  it('login answers the same for an unknown address and a wrong password', async () => {
    const email = uniqueEmail('known');
    await signUp(gw, email);
    const wrong = await gw.request('POST', '/api/auth/login', { body: { email, password: 'not the password' } });
    const unknown = await gw.request('POST', '/api/auth/login', { body: { email: uniqueEmail('ghost'), password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it('login takes about as long for an unknown address as for a wrong password', async () => {
    const email = uniqueEmail('timing');
    await signUp(gw, email);
    const ratio = await medianRatio(
      () => gw.request('POST', '/api/auth/login', { body: { email, password: 'wrong password' } }),
      () => gw.request('POST', '/api/auth/login', { body: { email: uniqueEmail('ghost'), password: 'wrong password' } }),
    );
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('sign-up takes about as long for an existing address as for a new one', async () => {
    const email = uniqueEmail('timing-signup');
    await signUp(gw, email);
    const ratio = await medianRatio(
      () => gw.request('POST', '/api/auth/register', { body: { email, password: TEST_PASSWORD, name: 'T' } }),
      () => gw.request('POST', '/api/auth/register', { body: { email: uniqueEmail('fresh'), password: TEST_PASSWORD, name: 'T' } }),
    );
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('a sign-up for an unverified address replaces the pending one and mails a new code', async () => {
    const email = uniqueEmail('pending');
    await expectStatus(await gw.request('POST', '/api/auth/register', { body: { email, password: TEST_PASSWORD, name: 'One' } }), 202);
    await gw.takeCode(email, 'verification');
    gw.clock.advance(61_000);
    await expectStatus(
      await gw.request('POST', '/api/auth/register', { body: { email, password: 'second choice of password', name: 'Two' } }),
      202,
    );
    const code = await gw.takeCode(email, 'verification');
    await expectStatus(await gw.request('POST', '/api/auth/verify-email', { body: { email, code } }), 200);
    await expectStatus(await gw.request('POST', '/api/auth/login', { body: { email, password: 'second choice of password' } }), 202);
  });
});
