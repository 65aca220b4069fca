import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMailboxRouter } from '../dev/mailboxRouter';
import { startMailSink, type MailSink } from './mailSink';
import { createSmtpMailer } from './smtpMailer';

const logger = pino({ level: 'silent' });
const ICS = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Guitar lesson\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sinkAndMailer(keep?: number) {
  const sink = await startMailSink({ port: 0, logger, keep });
  const mailer = createSmtpMailer({ sink }, { from: 'GeoVault <no-reply@geovault.test>', logger });
  cleanups.push(() => sink.close(), () => mailer.close());
  return { sink, mailer };
}

async function serve(sink: MailSink): Promise<string> {
  const app = express().use(createMailboxRouter(sink));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('mail sink', () => {
  it('receives mail over real SMTP on a port of its own and parses it', async () => {
    const { sink, mailer } = await sinkAndMailer();
    expect(sink.port).toBeGreaterThan(0);
    await mailer.send({ to: 'ada@example.org', subject: 'Hello', text: 'Your code is 123456.' });
    expect(sink.messages()).toEqual([
      expect.objectContaining({
        to: 'ada@example.org',
        from: 'no-reply@geovault.test',
        subject: 'Hello',
        text: 'Your code is 123456.',
        receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
    ]);
  });

  it('lists messages newest first and keeps only the last N', async () => {
    const { sink, mailer } = await sinkAndMailer(3);
    for (let i = 1; i <= 5; i += 1) await mailer.send({ to: 'a@example.org', subject: `#${i}`, text: 'x' });
    expect(sink.messages().map((m) => m.subject)).toEqual(['#5', '#4', '#3']);
  });

  it('serves GET /api/dev/mailbox with attachments readable as text or base64', async () => {
    const { sink, mailer } = await sinkAndMailer();
    await mailer.send({
      to: 'student@example.org',
      subject: 'Booking confirmed',
      text: 'See you there.',
      attachments: [
        { filename: 'lesson.ics', contentType: 'text/calendar', content: ICS },
        { filename: 'logo.png', contentType: 'image/png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]) },
      ],
    });
    await mailer.send({ to: 'other@example.org', subject: 'Later', text: 'second' });
    const res = await fetch(`${await serve(sink)}/api/dev/mailbox`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { messages } = (await res.json()) as { messages: Array<Record<string, unknown>> };
    expect(messages.map((m) => m.subject)).toEqual(['Later', 'Booking confirmed']);
    expect(messages[1]).toMatchObject({ to: 'student@example.org', text: 'See you there.', receivedAt: expect.any(String) });
    expect(messages[1]!.attachments).toEqual([
      { filename: 'lesson.ics', contentType: 'text/calendar', encoding: 'utf8', content: ICS },
      { filename: 'logo.png', contentType: 'image/png', encoding: 'base64', content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]).toString('base64') },
    ]);
  });

  it('fails to start on a port that is taken, with the error', async () => {
    const { sink } = await sinkAndMailer();
    await expect(startMailSink({ port: sink.port, logger })).rejects.toThrow(/EADDRINUSE/);
  });
});
