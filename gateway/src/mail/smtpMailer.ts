import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Mailer, OutgoingMail } from './mailer';

export type SmtpTarget = { smtpUrl: string } | { sink: { host: string; port: number } };

export interface SmtpMailerOptions {
  from: string;
  logger: Logger;
}

export interface SmtpMailer extends Mailer {
  close(): void;
}

/**
 * The Mailer over SMTP: a real server from SMTP_URL, or the embedded sink. Either way the
 * message really goes over SMTP, so dev and tests exercise the production path.
 */
export function createSmtpMailer(target: SmtpTarget, options: SmtpMailerOptions): SmtpMailer {
  const transport =
    'smtpUrl' in target
      ? nodemailer.createTransport(target.smtpUrl)
      : nodemailer.createTransport({
          host: target.sink.host,
          port: target.sink.port,
          secure: false,
          ignoreTLS: true,
          // A sink that stopped answering must not hold a request for nodemailer's 2-minute default.
          connectionTimeout: 5_000,
          greetingTimeout: 5_000,
          socketTimeout: 10_000,
        });
  const logger = options.logger;
  return {
    async send(mail: OutgoingMail): Promise<void> {
      await transport.sendMail({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments?.map((a) => ({
          filename: a.filename,
          content: a.content,
          contentType: a.contentType,
        })),
      });
      // Never log the body: it carries one-time codes.
      logger.debug({ to: mail.to, subject: mail.subject }, 'mail sent');
    },
    close: () => transport.close(),
  };
}
