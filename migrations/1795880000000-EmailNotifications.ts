import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * E-mail as a second channel for notifications (off unless SMTP_URL is set): staff may have
 * an address, and each notification remembers when it was e-mailed, so the worker sends it
 * once — the notification rows are the outbox of the e-mail channel.
 */
export class EmailNotifications1795880000000 implements MigrationInterface {
  name = 'EmailNotifications1795880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users ADD COLUMN email text;
      ALTER TABLE notifications ADD COLUMN emailed_at timestamptz;
      CREATE INDEX notifications_to_email ON notifications (municipality_id, created_at) WHERE emailed_at IS NULL AND recipient_user_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS notifications_to_email;
      ALTER TABLE notifications DROP COLUMN IF EXISTS emailed_at;
      ALTER TABLE users DROP COLUMN IF EXISTS email;
    `);
  }
}
