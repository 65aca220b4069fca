import { describe, expect, it } from 'vitest';
import { UploadSlots } from './uploadSlots';

describe('UploadSlots', () => {
  it('caps each user separately and gives a slot back once per release', () => {
    const slots = new UploadSlots(2);
    const a1 = slots.acquire('a')!;
    const a2 = slots.acquire('a')!;
    expect(slots.acquire('a')).toBeUndefined();
    expect(slots.acquire('b')).toBeDefined();
    a1();
    a1();
    expect(slots.held('a')).toBe(1);
    expect(slots.acquire('a')).toBeDefined();
    expect(slots.acquire('a')).toBeUndefined();
    a2();
    expect(slots.held('a')).toBe(1);
  });

  it('forgets a user with nothing in flight (the table only holds active uploaders)', () => {
    const slots = new UploadSlots(1);
    for (let i = 0; i < 1000; i++) slots.acquire(`user${i}`)!();
    expect((slots as unknown as { inFlight: Map<string, number> }).inFlight.size).toBe(0);
  });
});
