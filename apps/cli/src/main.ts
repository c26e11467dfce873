import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '@tsunagi/config';
import { adminDataSourceOptions, runMigrations } from '@tsunagi/database';
import { ProvisioningService } from '@tsunagi/staff';
import { runAllInOne } from './all-in-one';
import { AuditVerifier } from './audit-verifier';
import { CliModule } from './cli.module';
import { DEMO_CODE, DEMO_PASSWORD, DEMO_USERS, DemoSeeder } from './seed/demo-seeder';

const USAGE = `usage: npm run cli -- <command>
  migrate                                   apply pending migrations
  municipality:create --code C --name N --admin-username U   (password from ADMIN_PASSWORD)
  seed:demo                                 create the demo municipality once
  audit:verify [--municipality CODE]        verify the audit trail (exit 1 when broken)
  all-in-one                                what \`npm start\` runs`;

function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    if (!args[i].startsWith('--')) throw new Error(`unexpected argument ${args[i]}\n${USAGE}`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${args[i]} needs a value`);
    out[args[i].slice(2)] = value;
    i++;
  }
  return out;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigError(name, 'is required');
  return value;
}

/** Commands that use the application's services run them in a Nest context without HTTP. */
async function withServices<T>(fn: (get: <S>(type: new (...args: never[]) => S) => S) => Promise<T>): Promise<T> {
  // The CLI never signs tokens; a placeholder keeps the shared configuration valid.
  const config = loadConfig({ AUTH_JWT_SECRET: 'cli-never-signs-tokens-placeholder-secret', LOG_LEVEL: 'warn', ...process.env });
  const app = await NestFactory.createApplicationContext(CliModule.forConfig(config), { logger: ['error', 'warn'] });
  try {
    return await fn((type) => app.get(type));
  } finally {
    await app.close();
  }
}

export function printDemoLogins(log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): void {
  log(`demo municipality: ${DEMO_CODE} (みどり市), password for every demo user: ${DEMO_PASSWORD}`);
  for (const u of DEMO_USERS) log(`  ${u.username.padEnd(15)} ${u.what}`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'migrate': {
      const applied = await runMigrations(requireEnv('DATABASE_URL'), (l) => process.stdout.write(`${l}\n`));
      process.stdout.write(applied.length ? `${applied.length} migration(s) applied\n` : 'database is up to date\n');
      return 0;
    }
    case 'municipality:create': {
      const f = flags(rest);
      if (!f.code || !f.name || !f['admin-username']) throw new Error(`municipality:create needs --code, --name and --admin-username\n${USAGE}`);
      const password = requireEnv('ADMIN_PASSWORD');
      const result = await withServices((get) => get(ProvisioningService).createMunicipality({ code: f.code, name: f.name, adminUsername: f['admin-username'], adminPassword: password }));
      process.stdout.write(`created municipality ${result.municipality.code} (${result.municipality.id}) with administrator ${result.admin.username}\n`);
      return 0;
    }
    case 'seed:demo': {
      const { created } = await withServices((get) => get(DemoSeeder).seed());
      process.stdout.write(created ? 'demo municipality created\n' : 'demo municipality already exists; nothing changed\n');
      printDemoLogins();
      return 0;
    }
    case 'audit:verify': {
      const f = flags(rest);
      const dataSource = new DataSource(adminDataSourceOptions(requireEnv('DATABASE_URL')));
      await dataSource.initialize();
      try {
        const result = await new AuditVerifier(dataSource).verify(f.municipality);
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return result.valid ? 0 : 1;
      } finally {
        await dataSource.destroy();
      }
    }
    case 'all-in-one':
      await runAllInOne();
      return 0;
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0 || process.argv[2] !== 'all-in-one') process.exit(code);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(error instanceof ConfigError ? 78 : 1);
    },
  );
}

export { main, withServices };
