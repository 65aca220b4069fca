import fs from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OpenPartials } from './openPartials';

let dir: string;
const opened: FileHandle[] = [];

async function partial(name: string): Promise<FileHandle> {
  const handle = await open(path.join(dir, `${name}.part`), 'w');
  opened.push(handle);
  return handle;
}

/** A FileHandle's fd is -1 once it is closed. */
const isClosed = (handle: FileHandle) => handle.fd === -1;

/** Lets a close started by a timer (not awaited by anyone) finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-openpartials-'));
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((handle) => handle.close().catch(() => undefined)));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('partials kept open between PATCHes', () => {
  it('hands a kept descriptor and its size to the next writer, once', async () => {
    const partials = new OpenPartials(30_000);
    const handle = await partial('a');
    partials.give('a', { handle, size: 4096 });
    expect(partials.take('a')).toEqual({ handle, size: 4096 });
    expect(partials.take('a')).toBeUndefined();
    expect(isClosed(handle)).toBe(false);
  });

  it('closes a kept descriptor before its partial is renamed or removed', async () => {
    const partials = new OpenPartials(30_000);
    const handle = await partial('a');
    partials.give('a', { handle, size: 0 });
    await partials.close('a');
    expect(isClosed(handle)).toBe(true);
    expect(partials.take('a')).toBeUndefined();
  });

  it('closes a descriptor left idle, and not one taken before then', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const partials = new OpenPartials(30_000);
    const idle = await partial('idle');
    const busy = await partial('busy');
    partials.give('idle', { handle: idle, size: 0 });
    partials.give('busy', { handle: busy, size: 0 });
    vi.advanceTimersByTime(29_000);
    expect(partials.take('busy')?.handle).toBe(busy);
    vi.advanceTimersByTime(1_000);
    await settle();
    expect(isClosed(idle)).toBe(true);
    expect(isClosed(busy)).toBe(false);
    expect(partials.size).toBe(0);
  });

  it('keeps at most 256 open, closing the oldest', async () => {
    const partials = new OpenPartials(30_000);
    const handles = await Promise.all(Array.from({ length: 257 }, (_, i) => partial(`p${i}`)));
    handles.forEach((handle, i) => partials.give(`p${i}`, { handle, size: 0 }));
    await settle();
    expect(partials.size).toBe(256);
    expect(isClosed(handles[0]!)).toBe(true);
    expect(handles.slice(1).some(isClosed)).toBe(false);
  });

  it('closes the descriptor it held when given another for the same upload', async () => {
    const partials = new OpenPartials(30_000);
    const first = await partial('a');
    const second = await partial('a2');
    partials.give('a', { handle: first, size: 0 });
    partials.give('a', { handle: second, size: 8 });
    await settle();
    expect(isClosed(first)).toBe(true);
    expect(partials.take('a')?.handle).toBe(second);
  });
});
