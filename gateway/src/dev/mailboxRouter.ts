import express from 'express';
import type { MailSink, SinkMessage } from '../mail/mailSink';

/** Text attachments (an .ics, plain text) are returned as text, anything else as base64. */
function isTextual(contentType: string): boolean {
  return contentType.startsWith('text/') || contentType === 'application/json' || contentType === 'application/ics';
}

function toWire(message: SinkMessage) {
  return {
    id: message.id,
    to: message.to,
    from: message.from,
    subject: message.subject,
    text: message.text,
    receivedAt: message.receivedAt,
    attachments: message.attachments.map((a) =>
      isTextual(a.contentType)
        ? { filename: a.filename, contentType: a.contentType, encoding: 'utf8' as const, content: a.content.toString('utf8') }
        : { filename: a.filename, contentType: a.contentType, encoding: 'base64' as const, content: a.content.toString('base64') },
    ),
  };
}

/**
 * GET /api/dev/mailbox: what the embedded sink received, newest first. Mounted only when the
 * sink is in use; it shows one-time codes, so it must never exist next to a real SMTP server.
 */
export function createMailboxRouter(sink: MailSink): express.Router {
  const router = express.Router();
  router.get('/api/dev/mailbox', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ messages: sink.messages().map(toWire) });
  });
  return router;
}
