/** GET /api/dev/mailbox (gateway/src/dev/mailboxRouter.ts): only there with the embedded sink. */
import { request } from './http';

export interface MailAttachment {
  filename: string;
  contentType: string;
  encoding: 'utf8' | 'base64';
  content: string;
}

export interface MailMessage {
  id: number;
  to: string;
  from: string;
  subject: string;
  text: string;
  receivedAt: string;
  attachments: MailAttachment[];
}

export const fetchMailbox = () => request<{ messages: MailMessage[] }>('GET', '/api/dev/mailbox');
