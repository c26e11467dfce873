import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { chainHash, GENESIS } from '@tsunagi/audit/audit-chain';
import { deferIndexes } from './bulk-indexes';
import { copy, field } from './bulk-load';
import { HouseholdGenerator } from './households';
import { round1 } from './proc';

/**
 * A year of a city's audit trail, straight through COPY into the monthly partitions, with its
 * hash chain: staff opening cases and reading their notes and timelines, adding notes,
 * answering referrals, working their worklists, searching by name, signing in; supervisors
 * and auditors reading the trail. Sessions cluster in office hours on weekdays; a few staff
 * are much busier than the rest.
 *
 * The chain is computed here exactly as `sealChain` computes it (the event digest is the
 * SQL function `audit_event_digest` over the same canonical text; the chain hash is
 * `chainHash`), so `verifyChain` checks every seeded event. The newest `unsealed` events are
 * left out of the chain for the application's own sealer, whose speed is measured on them.
 *
 * The sealer chains events in (transaction id, time, id) order. This history is older than
 * every event the bench's own requests wrote, so it takes transaction ids below theirs: one
 * per COPY chunk, in time order, as if the application had written it, one transaction after
 * another, before the bench started.
 */

export interface AuditSeedTarget {
  municipalityId: string;
  events: number;
  /** the newest seeded events that stay out of the chain: the sealer's work */
  unsealed: number;
  agencies: Array<{ id: string; roles: string[] }>;
  /** staff whose events these are */
  staff: number;
}

export interface AuditSeedResult {
  events: number;
  chained: number;
  seconds: number;
  eventsPerSecond: number;
  megabytesSent: number;
  /** the secondary indexes of audit_events, built after the COPY */
  indexes: string[];
  indexSeconds: number;
  partitionsCreated: number;
  from: string;
  until: string;
  transactionIds: { first: string; last: string; firstReal: string };
  vacuumAnalyzeSeconds: number;
  sizes: Record<string, string>;
  /** ids to query by: a sample of the cases, entities and actors of the seeded events */
  samples: { caseIds: string[]; entityIds: string[]; actorIds: string[] };
}

const DAY = 24 * 3600 * 1000;
const MINUTE = 60_000;
const CHUNK = 20_000;
const SAMPLE = 300;

const EVENT_COPY = `COPY audit_events (municipality_id, occurred_at, id, actor_id, actor_agency_id, actor_roles, action, entity_type, entity_id,
  case_id, request_id, client_ip, changed_fields, restricted, detail, txid) FROM STDIN`;
const CHAIN_COPY = `COPY audit_chain (municipality_id, seq, event_id, event_occurred_at, digest, hash) FROM STDIN`;

/** jsonb's text output (`detail::text`) for ASCII keys: keys by length, then bytes; `": "` and `", "` between. */
export function jsonbText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${jsonbText((value as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** What varies from one event to the next; who, when, from where and the ids are added as it is written. */
interface SeedEvent {
  action: string;
  entityType: string;
  entityId: string | null;
  caseId: string | null;
  changed: string[];
  restricted: boolean;
  detail: Record<string, unknown>;
}

/** UUIDv7 and v4 ids from a pool of random bytes (one crypto call per few thousand ids). */
class Ids {
  private pool = Buffer.alloc(0);
  private at = 0;

  private bytes(): Buffer {
    if (this.at + 16 > this.pool.length) {
      this.pool = randomBytes(16 * 8192);
      this.at = 0;
    }
    const b = Buffer.from(this.pool.subarray(this.at, this.at + 16));
    this.at += 16;
    return b;
  }

  private format(b: Buffer): string {
    const hex = b.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  v7(ms: number): string {
    const b = this.bytes();
    b.writeUIntBE(ms, 0, 6);
    b[6] = 0x70 | (b[6] & 0x0f);
    b[8] = 0x80 | (b[8] & 0x3f);
    return this.format(b);
  }

  v4(): string {
    const b = this.bytes();
    b[6] = 0x40 | (b[6] & 0x0f);
    b[8] = 0x80 | (b[8] & 0x3f);
    return this.format(b);
  }
}

/** Microseconds since the epoch as to_char(… 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') writes them. */
function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`;
}

/**
 * How busy each minute of the span is: office hours on weekdays (08:30–17:15 JST) carry most
 * of the work, early and late hours a little, nights and weekends almost nothing.
 */
function busyMinutes(fromMs: number, minutes: number): Float64Array {
  const cumulative = new Float64Array(minutes);
  let sum = 0;
  for (let m = 0; m < minutes; m++) {
    const jst = fromMs + m * MINUTE + 9 * 3600 * 1000;
    const weekday = (Math.floor(jst / DAY) + 4) % 7;
    const minuteOfDay = Math.floor((jst % DAY) / MINUTE);
    const office = minuteOfDay >= 8 * 60 + 30 && minuteOfDay < 17 * 60 + 15;
    const shoulder = minuteOfDay >= 7 * 60 && minuteOfDay < 20 * 60;
    sum += weekday === 0 || weekday === 6 ? 0.1 : office ? 10 : shoulder ? 1 : 0.05;
    cumulative[m] = sum;
  }
  return cumulative;
}

function minuteAt(cumulative: Float64Array, target: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] >= target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Keeps a uniform sample of what it is offered. */
class Reservoir {
  readonly items: string[] = [];
  private seen = 0;
  constructor(private readonly dice: HouseholdGenerator) {}
  offer(item: string): void {
    this.seen++;
    if (this.items.length < SAMPLE) this.items.push(item);
    else {
      const j = this.dice.int(0, this.seen - 1);
      if (j < SAMPLE) this.items[j] = item;
    }
  }
}

const CASE_FIELDS = ['summary', 'concerns', 'urgency', 'household', 'consent', 'leadWorkerId', 'primaryConcern'];
const NOTE_KINDS = ['interview', 'phone', 'visit', 'accompany', 'meeting', 'record'];

export async function seedAudit(dbUrl: string, target: AuditSeedTarget, log: (line: string) => void): Promise<AuditSeedResult> {
  const eventClient = new Client({ connectionString: dbUrl });
  const chainClient = new Client({ connectionString: dbUrl });
  await Promise.all([eventClient.connect(), chainClient.connect()]);
  try {
    for (const c of [eventClient, chainClient]) await c.query(`SET synchronous_commit = off`);
    const mun = target.municipalityId;
    const [head] = (await eventClient.query<{ seq: string }>(`SELECT seq::text AS seq FROM audit_chain_heads WHERE municipality_id = $1`, [mun])).rows;
    if (head && head.seq !== '0') throw new Error('the audit chain already has sealed events: seed the history before anything seals');
    const [real] = (await eventClient.query<{ txid: string | null; at: Date | null }>(
      `SELECT min(txid)::text AS txid, min(occurred_at) AS at FROM audit_events WHERE municipality_id = $1`,
      [mun],
    )).rows;
    const firstReal = BigInt(real.txid ?? (await eventClient.query<{ x: string }>(`SELECT pg_current_xact_id()::text AS x`)).rows[0].x);
    const untilMs = (real.at ?? new Date()).getTime() - MINUTE;
    const fromMs = untilMs - 365 * DAY;
    // transaction ids 3 … firstReal − 1 are free (0–2 are reserved): one per chunk, in time order
    const available = Number(firstReal - 3n);
    if (available < 1) throw new Error(`no transaction ids below ${firstReal} are left for the history`);
    const chunk = Math.max(CHUNK, Math.ceil(target.events / available));

    // monthly partitions for the year, as the worker's ensure_audit_partitions names them
    let partitionsCreated = 0;
    for (let m = new Date(Date.UTC(new Date(fromMs).getUTCFullYear(), new Date(fromMs).getUTCMonth(), 1)); m.getTime() <= untilMs; m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))) {
      const name = `audit_events_${m.getUTCFullYear()}${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
      const next = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1));
      const { rows } = await eventClient.query<{ r: string | null }>(`SELECT to_regclass($1) AS r`, [name]);
      if (rows[0].r) continue;
      await eventClient.query(`CREATE TABLE ${name} PARTITION OF audit_events FOR VALUES FROM ('${m.toISOString()}') TO ('${next.toISOString()}')`);
      partitionsCreated++;
    }

    const { rows: caseRows } = await eventClient.query<{ id: string; restricted: boolean }>(`SELECT id, restricted FROM cases WHERE municipality_id = $1`, [mun]);
    if (!caseRows.length) throw new Error('no cases to audit: load them first');
    const dice = new HouseholdGenerator(6_2026);
    const ids = new Ids();
    const uniform = () => dice.int(0, 999_999) / 1_000_000;
    // staff: a few much busier than the rest (weights ~ 1 / rank^0.8)
    const staff = Array.from({ length: target.staff }, (_, rank) => {
      const agency = target.agencies[rank % target.agencies.length];
      const supervisor = dice.chance(0.08);
      return { id: ids.v7(fromMs - dice.int(1, 2000) * DAY), agencyId: agency.id, roles: supervisor ? [...agency.roles, 'supervisor'] : agency.roles, weight: 1 / Math.pow(rank + 1, 0.8) };
    });
    const staffWeights = staff.map((s) => [s, s.weight] as const);
    const auditors = Array.from({ length: 3 }, () => ({ id: ids.v7(fromMs - dice.int(1, 2000) * DAY), agencyId: null, roles: ['auditor'] }));
    const ips = Array.from({ length: 40 }, (_, i) => `10.${20 + (i % 4)}.${dice.int(0, 255)}.${dice.int(2, 254)}`);
    const minutes = Math.floor((untilMs - fromMs) / MINUTE);
    const busy = busyMinutes(fromMs, minutes);
    const samples = { caseIds: new Reservoir(dice), entityIds: new Reservoir(dice), actorIds: new Reservoir(dice) };

    let emitted = 0;
    let chained = 0;
    let seq = 0n;
    let prev: Buffer = GENESIS;
    let txid = 3n;
    let bytes = 0;
    let pendingChain: Promise<void> = Promise.resolve();
    const started = performance.now();
    let lastLog = started;
    const deferred = await deferIndexes(eventClient, ['audit_events']);
    let firstTxid = '';
    let lastTxid = '';
    let watermark = '';

    const total = busy[busy.length - 1];
    const sealedUpTo = target.events - target.unsealed;
    let lastUs = 0;
    while (emitted < target.events) {
      const end = Math.min(target.events, emitted + chunk);
      const tx = txid.toString();
      if (!firstTxid) firstTxid = tx;
      lastTxid = tx;
      let eventText = '';
      let chainText = '';
      while (emitted < end) {
        // one session of one person; its events follow one another in the busy minutes of the year
        const roll = dice.int(0, 99);
        const actor = roll < 2 ? dice.pick(auditors) : dice.weighted(staffWeights);
        const ip = dice.pick(ips);
        let us = 0;
        const push = (e: SeedEvent) => {
          if (emitted >= end) return;
          // where the event falls follows the share of events made so far: strictly increasing times
          const position = ((emitted + 0.5) / target.events) * total;
          const m = minuteAt(busy, position);
          const below = m > 0 ? busy[m - 1] : 0;
          us = Math.max(lastUs + 1, Math.floor((fromMs + (m + (position - below) / (busy[m] - below)) * MINUTE) * 1000));
          lastUs = us;
          const at = isoMicros(us);
          const id = ids.v7(Math.floor(us / 1000));
          const requestId = ids.v4();
          const changed = e.changed.join(',');
          const detail = jsonbText(e.detail);
          eventText +=
            `${mun}\t${at}\t${id}\t${actor.id}\t${actor.agencyId ?? '\\N'}\t{${actor.roles.join(',')}}\t${e.action}\t${e.entityType}\t${e.entityId ?? '\\N'}\t` +
            `${e.caseId ?? '\\N'}\t${requestId}\t${ip}\t{${changed}}\t${e.restricted}\t${field(detail)}\t${tx}\n`;
          if (emitted < sealedUpTo) {
            // the canonical text audit_event_digest hashes, byte for byte
            const canonical = [
              id, mun, at, actor.id, actor.agencyId ?? '', actor.roles.join(','), e.action, e.entityType, e.entityId ?? '', e.caseId ?? '',
              requestId, ip, changed, String(e.restricted), detail,
            ].join('\x1f');
            const digest = createHash('sha256').update(canonical, 'utf8').digest();
            seq += 1n;
            prev = chainHash(prev, digest, seq);
            chainText += `${mun}\t${seq}\t${id}\t${at}\t\\\\x${digest.toString('hex')}\t\\\\x${prev.toString('hex')}\n`;
            chained++;
            watermark = tx;
          }
          emitted++;
        };
        const none = { entityId: null, caseId: null, changed: [] as string[], restricted: false };
        if (roll < 2) {
          // an auditor reads the trail
          push({ ...none, action: 'audit.listed', entityType: 'audit', detail: { count: 50, filters: [dice.pick(['caseId', 'actorId', 'entityId', 'action'])] } });
        } else if (roll < 7) {
          push({ ...none, action: 'auth.login', entityType: 'user', entityId: actor.id, detail: {} });
        } else if (roll < 14) {
          push({ ...none, action: 'referral.listed', entityType: 'referral', detail: { count: dice.int(0, 50), direction: dice.chance(0.6) ? 'incoming' : 'outgoing' } });
        } else if (roll < 20) {
          const found = Array.from({ length: dice.int(0, 4) }, () => dice.pick(caseRows).id);
          push({ ...none, action: 'case.listed', entityType: 'case', detail: { count: found.length, caseIds: found, searched: true } });
        } else {
          // work on one case: open it, read what is there, sometimes write
          const kase = caseRows[Math.floor(Math.pow(uniform(), 1.5) * caseRows.length)];
          const on = { caseId: kase.id, restricted: kase.restricted };
          samples.caseIds.offer(kase.id);
          push({ action: 'case.viewed', entityType: 'case', entityId: kase.id, changed: [], detail: {}, ...on });
          if (dice.chance(0.5)) push({ action: 'note.listed', entityType: 'case', entityId: kase.id, changed: [], detail: { count: dice.int(0, 50) }, ...on });
          if (dice.chance(0.3)) push({ action: 'timeline.viewed', entityType: 'case', entityId: kase.id, changed: [], detail: { count: dice.int(1, 80) }, ...on });
          if (dice.chance(0.15)) push({ action: 'referral.listed', entityType: 'case', entityId: kase.id, changed: [], detail: { count: dice.int(0, 6) }, ...on });
          if (dice.chance(0.25)) {
            const note = ids.v7(Math.floor(us / 1000));
            samples.entityIds.offer(note);
            push({ action: 'note.added', entityType: 'note', entityId: note, changed: ['kind', 'body', 'occurredAt'], detail: {}, ...on });
            if (dice.chance(0.3)) push({ action: 'note.listed', entityType: 'case', entityId: kase.id, changed: [], detail: { count: dice.int(1, 50) }, ...on });
          }
          if (dice.chance(0.06)) {
            const changed = CASE_FIELDS.filter(() => dice.chance(0.3));
            push({ action: 'case.updated', entityType: 'case', entityId: kase.id, changed: changed.length ? changed : ['summary'], detail: {}, ...on });
          }
          if (dice.chance(0.05)) {
            const referral = ids.v7(Math.floor(us / 1000));
            samples.entityIds.offer(referral);
            const kind = dice.chance(0.45) ? 'transfer' : 'collaboration';
            push({ action: 'referral.created', entityType: 'referral', entityId: referral, changed: ['toAgencyId', 'kind', 'reason', 'basis'], detail: { kind, basis: dice.pick(['consent', 'consent', 'consent', 'support_meeting']), members: 1, toAgencyId: dice.pick(target.agencies).id }, ...on });
            push({ action: 'referral.viewed', entityType: 'referral', entityId: referral, changed: [], detail: {}, ...on });
          }
          if (dice.chance(0.04)) {
            const referral = ids.v7(Math.floor(us / 1000) - dice.int(1, 5) * DAY);
            samples.entityIds.offer(referral);
            push({ action: dice.chance(0.85) ? 'referral.accepted' : 'referral.declined', entityType: 'referral', entityId: referral, changed: ['status', 'note'], detail: {}, ...on });
          }
          if (dice.chance(0.03)) push({ action: 'note.added', entityType: 'note', entityId: ids.v7(Math.floor(us / 1000)), changed: ['kind', 'body'], detail: { kind: dice.pick(NOTE_KINDS) }, ...on });
          if (dice.chance(0.2)) samples.entityIds.offer(kase.id);
        }
        samples.actorIds.offer(actor.id);
      }
      txid += 1n;
      bytes += Buffer.byteLength(eventText) + Buffer.byteLength(chainText);
      await pendingChain;
      if (chainText) pendingChain = copy(chainClient, CHAIN_COPY, chainText);
      await copy(eventClient, EVENT_COPY, eventText);
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`  loaded ${emitted.toLocaleString('en')} audit events, ${chained.toLocaleString('en')} chained (${Math.round(emitted / ((lastLog - started) / 1000)).toLocaleString('en')} events/s)`);
      }
    }
    await pendingChain;
    if (chained > 0) {
      await eventClient.query(
        `INSERT INTO audit_chain_heads (municipality_id, seq, hash, watermark, sealed_at) VALUES ($1, $2, $3, $4::xid8, now())
         ON CONFLICT (municipality_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, watermark = EXCLUDED.watermark, sealed_at = EXCLUDED.sealed_at`,
        [mun, seq.toString(), prev, watermark],
      );
    }
    log(`  building ${deferred.names.length} indexes of audit_events on every partition`);
    const indexSeconds = await deferred.rebuild(eventClient);
    const seconds = (performance.now() - started) / 1000;

    const v0 = performance.now();
    await eventClient.query(`SET maintenance_work_mem = '256MB'`);
    await chainClient.query(`SET maintenance_work_mem = '256MB'`);
    await Promise.all([eventClient.query('VACUUM (ANALYZE) audit_events'), chainClient.query('VACUUM (ANALYZE) audit_chain')]);
    const vacuumAnalyzeSeconds = (performance.now() - v0) / 1000;
    const { rows } = await eventClient.query<{ name: string; size: string }>(
      `SELECT name, pg_size_pretty(size) AS size FROM (
         SELECT 'audit_events (every partition, table + indexes)' AS name,
                (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'audit_events'::regclass)::bigint AS size
         UNION ALL SELECT 'audit_chain (table + indexes)', pg_total_relation_size('audit_chain')) s`,
    );
    return {
      events: emitted,
      chained,
      seconds: round1(seconds),
      eventsPerSecond: Math.round(emitted / seconds),
      megabytesSent: round1(bytes / 1024 / 1024),
      indexes: deferred.names,
      indexSeconds,
      partitionsCreated,
      from: new Date(fromMs).toISOString(),
      until: new Date(untilMs).toISOString(),
      transactionIds: { first: firstTxid, last: lastTxid, firstReal: firstReal.toString() },
      vacuumAnalyzeSeconds: round1(vacuumAnalyzeSeconds),
      sizes: Object.fromEntries(rows.map((r) => [r.name, r.size])),
      samples: { caseIds: samples.caseIds.items, entityIds: samples.entityIds.items, actorIds: samples.actorIds.items },
    };
  } finally {
    await Promise.all([eventClient.end(), chainClient.end()]);
  }
}
