import express from 'express';
import type { MailSink, SinkMessage } from '../mail/mailSink';
import { isOwnLoopbackRequest } from './loopback';

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
 * GET /api/dev/mailbox: what the embedded sink received, newest first. It shows every user's
 * one-time codes, so it exists only for the developer at this machine (DESIGN §8): main mounts
 * it only with the embedded sink (never next to a real SMTP server) and a loopback listener,
 * and a request that does not name the gateway by its own loopback address and port is
 * answered as if there were no such route.
 */
export function createMailboxRouter(sink: MailSink): express.Router {
  const router = express.Router();
  router.get('/api/dev/mailbox', (req, res, next) => {
    if (!isOwnLoopbackRequest(req)) {
      next();
      return;
    }
    res.set('Cache-Control', 'no-store').json({ messages: sink.messages().map(toWire) });
  });
  return router;
}
