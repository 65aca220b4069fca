import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { AuthPolicy } from '../auth/authPolicy';
import { startMailSink, type MailSink } from '../mail/mailSink';
import { createSmtpMailer, type SmtpMailer } from '../mail/smtpMailer';
import { AccountsStore } from '../store/accountsStore';
import { createGatewayApp, type GatewayAppDeps } from './createGatewayApp';

/**
 * Test support (not a test): the real app on 127.0.0.1 port 0 over a temp data dir, mail
 * going over SMTP to a real sink on port 0, and a clock that only moves when told to.
 */
export const TEST_REGIONS = ['us-east', 'eu-west', 'asia'] as const;
export const TEST_PASSWORD = 'correct horse battery staple 42';

export interface WireMail {
  id: number;
  to: string;
  subject: string;
  text: string;
  receivedAt: string;
  attachments: Array<{ filename: string; contentType: string; encoding: string; content: string }>;
}

export interface TestGateway {
  url: string;
  gatewayDir: string;
  accounts: AccountsStore;
  sink: MailSink;
  clock: { now(): number; advance(ms: number): void };
  request(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  /** The oldest mail to `to` not taken before (subject containing `subject`), waiting for it. */
  takeMail(to: string, subject?: string): Promise<WireMail>;
  /** The 6-digit code in the next such mail. */
  takeCode(to: string, subject?: string): Promise<string>;
  /** Stops the server and reopens the store from disk: what a restart would see. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  policy?: Partial<AuthPolicy>;
  trustProxy?: GatewayAppDeps['trustProxy'];
  routers?: GatewayAppDeps['routers'];
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'geovault-gw-'));
  const gatewayDir = path.join(dataDir, 'gateway');
  const logger = pino({ level: 'silent' });
  let time = Date.UTC(2030, 0, 1, 9, 0, 0);
  const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
  const sink = await startMailSink({ port: 0, logger });
  const mailer: SmtpMailer = createSmtpMailer({ sink }, { from: 'GeoVault <no-reply@geovault.test>', logger });
  const taken = new Set<number>();

  let accounts: AccountsStore;
  let server: Server;
  let url = '';
  const listen = async () => {
    accounts = await AccountsStore.open(gatewayDir);
    const app = createGatewayApp({
      logger, accounts, mailer, mailSink: sink, regions: () => TEST_REGIONS, bcryptCost: 10, now: clock.now,
      authPolicy: options.policy, trustProxy: options.trustProxy, routers: options.routers,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const stop = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  await listen();

  const gateway: TestGateway = {
    get url() { return url; },
    gatewayDir,
    get accounts() { return accounts; },
    sink,
    clock,
    request(method, pathname, { body, headers = {} } = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      return fetch(url + pathname, init);
    },
    async takeMail(to, subject = '') {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const res = await fetch(`${url}/api/dev/mailbox`);
        const { messages } = (await res.json()) as { messages: WireMail[] };
        const match = messages.reverse().find((m) => m.to === to && m.subject.includes(subject) && !taken.has(m.id));
        if (match) {
          taken.add(match.id);
          return match;
        }
        if (Date.now() > deadline) throw new Error(`no mail to ${to} with subject containing "${subject}"`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async takeCode(to, subject) {
      const mail = await gateway.takeMail(to, subject);
      const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
      if (!code) throw new Error(`no code in mail "${mail.subject}"`);
      return code;
    },
    async restart() {
      await stop();
      await listen();
    },
    async close() {
      await stop();
      mailer.close();
      await sink.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return gateway;
}
