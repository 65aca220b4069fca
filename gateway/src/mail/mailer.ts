/** How gateway code sends mail. The implementation is nodemailer over SMTP (sink or real). */
export interface MailAttachment {
  filename: string;
  content: string | Buffer;
  contentType: string;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
}

export interface Mailer {
  /** Resolves once the SMTP server accepted the message. */
  send(mail: OutgoingMail): Promise<void>;
}
