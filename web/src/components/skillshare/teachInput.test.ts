import { describe, expect, it } from 'vitest';
import { windowProblems, zoneChoices } from './teachInput';

describe('zoneChoices', () => {
  it('keeps the browser’s zone in the list even when the list lacks it (UTC)', () => {
    expect(zoneChoices('UTC', ['Europe/Berlin', 'Asia/Tokyo'])).toEqual(['UTC', 'Europe/Berlin', 'Asia/Tokyo']);
    expect(zoneChoices('Asia/Tokyo', ['Europe/Berlin', 'Asia/Tokyo'])).toEqual(['Europe/Berlin', 'Asia/Tokyo']);
  });
});

describe('windowProblems', () => {
  it('names duplicate and overlapping windows of one day', () => {
    const mon = { day: 'mon', start: '09:00', end: '12:00' };
    expect(windowProblems([mon, mon])).toEqual(['Monday 09:00–12:00 is listed twice.']);
    expect(windowProblems([mon, { day: 'mon', start: '11:00', end: '13:00' }])).toEqual(['Monday 11:00–13:00 overlaps 09:00–12:00.']);
    expect(windowProblems([mon, { day: 'tue', start: '09:00', end: '12:00' }, { day: 'mon', start: '12:00', end: '24:00' }])).toEqual([]);
  });

  it('says what is wrong with a time instead of a generic format message', () => {
    expect(windowProblems([{ day: 'fri', start: '', end: '12:00' }])).toEqual(['Friday (window 1): enter both a start and an end time.']);
    expect(windowProblems([{ day: 'fri', start: '14:00', end: '10:00' }])[0]).toMatch(/^Friday 14:00–10:00: the end must be after the start/);
  });
});
