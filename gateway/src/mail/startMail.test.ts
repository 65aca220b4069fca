import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startMail } from './startMail';

const logger = pino({ level: 'silent' });

describe('startMail', () => {
  it('starts the embedded sink when no SMTP_URL is set, and mails reach it', async () => {
    const mail = await startMail({ smtpUrl: undefined, smtpSinkPort: 0, mailFrom: 'GeoVault <a@b.test>' }, logger);
    try {
      expect(mail.sink?.port).toBeGreaterThan(0);
      await mail.mailer.send({ to: 'x@example.org', subject: 'hi', text: 'there' });
      expect(mail.sink?.messages()[0]).toMatchObject({ to: 'x@example.org', subject: 'hi' });
    } finally {
      await mail.close();
    }
  });

  it('starts no sink with a real SMTP_URL', async () => {
    const mail = await startMail({ smtpUrl: 'smtp://127.0.0.1:1', smtpSinkPort: 0, mailFrom: 'a@b.test' }, logger);
    expect(mail.sink).toBeUndefined();
    await mail.close();
  });
});
