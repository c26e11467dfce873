import { createTransport, Transporter } from 'nodemailer';

/** A channel that carries notification text to a person outside the app. */
export interface NotificationChannel {
  send(message: { to: string; subject: string; text: string }): Promise<void>;
  close(): void;
}

/** E-mail over SMTP (nodemailer). The text is the notification's title: no case content beyond the case number. */
export class SmtpChannel implements NotificationChannel {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = createTransport(smtpUrl);
  }

  async send(message: { to: string; subject: string; text: string }): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }

  close(): void {
    this.transport.close();
  }
}

export function emailBody(title: string): string {
  return `${title}\n\ntsunagi にログインして内容を確認してください。\n（このメールには個人情報を記載していません。）\n`;
}
