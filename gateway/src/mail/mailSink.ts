import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message as the dev mailbox shows it. Attachments keep their bytes so tests can read an .ics. */
export interface SinkMessage {
  id: number;
  /** Envelope recipients (RCPT TO), comma-separated. */
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string | undefined;
  receivedAt: string;
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>;
}

export interface MailSink {
  readonly host: string;
  readonly port: number;
  /** Newest first. */
  messages(): SinkMessage[];
  close(): Promise<void>;
}

export interface MailSinkOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** How many messages to keep in memory (oldest dropped first). */
  keep?: number;
  now?: () => number;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

function toSinkMessage(id: number, parsed: ParsedMail, session: SMTPServerSession, receivedAt: number): SinkMessage {
  return {
    id,
    to: session.envelope.rcptTo.map((rcpt) => rcpt.address).join(', '),
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    subject: parsed.subject ?? '',
    text: (parsed.text ?? '').trimEnd(),
    html: typeof parsed.html === 'string' ? parsed.html : undefined,
    receivedAt: new Date(receivedAt).toISOString(),
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? 'attachment',
      contentType: a.contentType,
      content: a.content,
    })),
  };
}

/**
 * The embedded SMTP server used in dev and tests instead of a real one: it accepts any mail
 * on loopback, parses it and keeps the last `keep` messages for GET /api/dev/mailbox. It is
 * an SMTP server for real, so the gateway's mail path is the production one.
 */
export async function startMailSink(options: MailSinkOptions): Promise<MailSink> {
  const host = options.host ?? '127.0.0.1';
  const keep = options.keep ?? 200;
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const stored: SinkMessage[] = [];
  let nextId = 1;

  const server = new SMTPServer({
    authOptional: true,
    // Loopback only and no certificate to offer: plain SMTP keeps nodemailer from trying TLS.
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    banner: 'GeoVault dev mail sink',
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if (stream.sizeExceeded) {
            callback(Object.assign(new Error('Message too large'), { responseCode: 552 }));
            return;
          }
          const message = toSinkMessage(nextId++, parsed, session, now());
          stored.push(message);
          if (stored.length > keep) stored.splice(0, stored.length - keep);
          logger.info({ to: message.to, subject: message.subject }, 'mail received by the sink');
          callback();
        })
        .catch((error: unknown) => {
          logger.warn({ err: error }, 'mail sink could not parse a message');
          callback(error instanceof Error ? error : new Error(String(error)));
        });
    },
  });
  server.on('error', (error) => logger.error({ err: error }, 'mail sink error'));

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  logger.info({ host, port }, 'mail sink listening');

  return {
    host,
    port,
    messages: () => stored.slice().reverse(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
