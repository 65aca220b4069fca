import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/gatewayConfig';
import { startMailSink, type MailSink } from './mailSink';
import { createSmtpMailer, type SmtpMailer } from './smtpMailer';

export interface MailSetup {
  mailer: SmtpMailer;
  /** Present only when no SMTP_URL is configured; pass it to createGatewayApp as `mailSink`. */
  sink: MailSink | undefined;
  close(): Promise<void>;
}

/** DESIGN §1: a real SMTP server when SMTP_URL is set, otherwise the embedded sink. */
export async function startMail(
  config: Pick<GatewayConfig, 'smtpUrl' | 'smtpSinkPort' | 'mailFrom'>,
  logger: Logger,
): Promise<MailSetup> {
  const mailLogger = logger.child({ component: 'mail' });
  if (config.smtpUrl) {
    const mailer = createSmtpMailer({ smtpUrl: config.smtpUrl }, { from: config.mailFrom, logger: mailLogger });
    return { mailer, sink: undefined, close: async () => mailer.close() };
  }
  const sink = await startMailSink({ port: config.smtpSinkPort, logger: mailLogger.child({ component: 'mail-sink' }) });
  const mailer = createSmtpMailer({ sink }, { from: config.mailFrom, logger: mailLogger });
  return {
    mailer,
    sink,
    async close() {
      mailer.close();
      await sink.close();
    },
  };
}
