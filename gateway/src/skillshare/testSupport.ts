/**
 * TEST SUPPORT ONLY — never import from production code. Stand-ins for the pieces other parts
 * of the gateway provide (session middleware, error handler, mailer) and a real HTTP server on
 * 127.0.0.1:0 with a throwaway data directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { AppError } from '../errors';
import type { Mailer, OutgoingMail } from '../mail/mailer';
import type { SkillsharePolicy } from './policy';
import { createSkillshareRouter } from './router';
import { openSkillshareStore } from './store';
import type { SkillshareStore } from './store';

/**
 * Reads the `x-test-user` header (a user id) into req.user, named `User <id>` unless
 * `x-test-user-name` says otherwise; no header → 401.
 */
export const testRequireUser: RequestHandler = (req, _res, next) => {
  const id = req.get('x-test-user');
  if (id === undefined || id === '') return next(new AppError('unauthenticated'));
  const name = req.get('x-test-user-name') ?? `User ${id}`;
  req.user = { id, email: `${id}@example.test`, name, region: 'eu-west', sessionId: `session-${id}` };
  next();
};

export const testErrorHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  const e = err instanceof AppError ? err : new AppError('internal');
  res.status(e.status).set(e.headers).json({ error: { code: e.code, message: e.message } });
};

export class RecordingMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];
  async send(mail: OutgoingMail): Promise<void> {
    this.sent.push(mail);
  }
}

export class TestClock {
  constructor(private ms: number) {}
  static at(iso: string): TestClock {
    return new TestClock(Date.parse(iso));
  }
  readonly now = (): number => this.ms;
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface CallOptions {
  user?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  // Tests read what they assert on; typing every response body here would add nothing.
  body: any;
  headers: Headers;
}

export interface TestServer {
  baseUrl: string;
  dir: string;
  file: string;
  store: SkillshareStore;
  mailer: RecordingMailer;
  clock: TestClock;
  logger: Logger;
  /** Server-side handling time (arrival → response finished) of every POST /booking, in ms. */
  bookingTimings: number[];
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Defaults to Monday 2026-03-02 08:00 UTC. */
  now?: string;
  policy?: SkillsharePolicy;
  logger?: Logger;
}

export async function startSkillshareServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'skillshare-test-'));
  const file = join(dir, 'gateway', 'skillshare.json');
  const clock = TestClock.at(options.now ?? '2026-03-02T08:00:00Z');
  const logger = options.logger ?? pino({ level: 'silent' });
  const store = await openSkillshareStore(file, { now: clock.now, logger });
  const mailer = new RecordingMailer();
  const app = express();
  const bookingTimings: number[] = [];
  app.use((req, res, next) => {
    const t0 = performance.now();
    if (req.method === 'POST' && req.path === '/api/skillshare/booking') res.on('finish', () => bookingTimings.push(performance.now() - t0));
    next();
  });
  // Every test user's account: the same address testRequireUser gives them, so teachers get mail.
  const contactOf = (userId: string) => ({ email: `${userId}@example.test` });
  app.use('/api/skillshare', createSkillshareRouter({ store, mailer, requireUser: testRequireUser, now: clock.now, logger, policy: options.policy, contactOf }));
  app.use(testErrorHandler);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/api/skillshare`;

  async function call(method: string, path: string, { user, body, headers = {} }: CallOptions = {}): Promise<CallResult> {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(user === undefined ? {} : { 'x-test-user': user }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text), headers: res.headers };
  }

  async function close(): Promise<void> {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    await rm(dir, { recursive: true, force: true });
  }

  return { baseUrl, dir, file, store, mailer, clock, logger, bookingTimings, call, close };
}

/** Parses an iCalendar text into its unfolded lines (RFC 5545 §3.1: CRLF + space/tab continues). */
export function icsLines(ics: string): string[] {
  return ics.replace(/\r\n[ \t]/g, '').split(/\r\n/).filter((l) => l !== '');
}

export interface LoadRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  status: number;
  body: any;
  ms: number;
}

// Plain JS for an eval'd worker: the load runs on its own thread and event loop, so the
// latencies measured are the server's, not the cost of 200 clients sharing its loop. node:http
// rather than fetch: undici's lazy start-up in a fresh worker would be counted as latency.
const LOAD_WORKER = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const send = (r) => new Promise((resolve, reject) => {
  const t0 = performance.now();
  const req = http.request(r.url, { method: r.method, headers: r.headers, agent }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: res.statusCode, body: text === '' ? null : JSON.parse(text), ms: performance.now() - t0 });
    });
  });
  req.on('error', reject);
  req.end(r.body);
});
Promise.all(workerData.map(send)).then((results) => parentPort.postMessage(results), (err) => { throw err; });
`;

/** Fires all requests at once from a worker thread; resolves with each status, body and latency. */
export function fireConcurrently(requests: LoadRequest[]): Promise<LoadResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOAD_WORKER, { eval: true, workerData: requests });
    worker.once('message', (results: LoadResult[]) => {
      resolve(results);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** The p-th percentile (nearest rank) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
