// Answers to suggestions and reminders to partners by email, through the SMTP server of portal.yaml's `mail:` section
// (nodemailer). Credentials come from the environment variables it names, never from the file.
import nodemailer from 'nodemailer';
import { type PortalConfig } from '../config/index.ts';
import { type MailSender } from '../publisher/index.ts';

export function makeMailer(mail: NonNullable<PortalConfig['mail']>): MailSender {
  const user = mail.user_env ? process.env[mail.user_env] : undefined;
  const pass = mail.password_env ? process.env[mail.password_env] : undefined;
  const transport = nodemailer.createTransport({
    host: mail.host,
    port: mail.port,
    secure: mail.secure,
    auth: user ? { user, pass } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(message) {
      await transport.sendMail({ from: mail.from, to: message.to, subject: message.subject, text: message.text, ...(message.html ? { html: message.html } : {}) });
    },
  };
}
