import { Client } from 'pg';
import { newId } from '@tsunagi/common/ids';
import { deferIndexes, skipForeignKeyChecks } from './bulk-indexes';
import { copy, field } from './bulk-load';
import { HouseholdGenerator } from './households';
import { round1 } from './proc';

/**
 * A year of hand-offs between a city's agencies, straight through COPY, over the cases the
 * bulk load made: referrals (transfer or collaboration, on a legal basis, answered or still
 * pending, first contacts, hand-off checks) and the tasks the rules make of them — a
 * response task for the receiver of every referral, a re-route task for every decline, an
 * escalation task for both agencies of every referral left unanswered past its due time,
 * hand-off checks — plus monitoring tasks of their own. Rows arrive in time order, as the
 * application writes them; how a referral ends depends on its age (recent ones are mostly
 * pending, a few old ones were never answered and are overdue). Runs as the login role (table
 * owner: row-level security does not apply), every row with its municipality_id.
 */

export interface SeedAgency {
  id: string;
  /** a staff user of the agency: makes, answers and is assigned its referrals */
  userId: string;
  /** relative share of the referrals it makes / receives */
  sends: number;
  receives: number;
}

export interface ReferralSeedTarget {
  municipalityId: string;
  agencies: SeedAgency[];
  referrals: number;
}

export interface ReferralSeedResult {
  referrals: number;
  tasks: number;
  seconds: number;
  referralsPerSecond: number;
  rowsPerSecond: number;
  megabytesSent: number;
  /** the secondary indexes, built after the COPY */
  indexes: string[];
  indexSeconds: number;
  foreignKeysChecked: boolean;
  vacuumAnalyzeSeconds: number;
  casesReferred: number;
  byStatus: Record<string, number>;
  sizes: Record<string, string>;
}

const DAY = 24 * 3600 * 1000;
const HOUR = 3600 * 1000;
const CHUNK = 20_000;

const REFERRAL_COPY = `COPY referrals (municipality_id, id, case_id, kind, status, from_agency_id, to_agency_id, reason, basis, basis_note, member_ids,
  respond_by, accompanied, created_by_id, created_at, answered_at, answered_by_id, answer_note, decline_reason, suggestion, suggested_agency_id,
  assigned_worker_id, first_contact_at, first_contact_note, version, escalated_at, handoff_due_at, handoff_checked_at) FROM STDIN`;
const TASK_COPY = `COPY tasks (municipality_id, id, case_id, kind, title, status, due_at, assignee_agency_id, assignee_user_id, source_type, source_id,
  created_by_id, created_at, reminded_at, escalated_at, completed_at, completed_by_id, completion_note, cancel_reason) FROM STDIN`;

const REASONS = [
  '母の要介護認定申請と在宅サービスの調整', '長男へのアウトリーチ（ひきこもり状態が続いている）', '住居確保給付金の申請と就労支援', '多重債務の整理と家計改善支援',
  '育児負担の軽減（一時預かり等）', '障害福祉サービスの利用調整', '生活保護の申請相談', '認知症の疑いがあり受診につなげたい', '不登校の長女への学習支援・居場所の紹介',
  'ゴミ屋敷状態の解消と見守り体制づくり', '配偶者からの暴力の相談、安全確保の検討', '外国籍世帯の通訳支援と行政手続きの同行', 'ヤングケアラーの負担軽減',
  '退院後の在宅生活の支援体制づくり', '家賃滞納による退去の恐れ、住まいの確保', '就労体験・中間的就労の検討', 'ダブルケア（介護と育児）の負担軽減',
];
const DECLINES = ['対象年齢外のため', '当センターの担当地区外のため', '既に他機関が支援中のため', '本人の同意が確認できないため', '専門外の相談内容のため'];
const SUGGESTIONS = ['地区を担当する地域包括支援センターへ', '基幹相談支援センターが適切と考えます', '自立相談支援機関での対応をお願いします', '社会福祉協議会のCSWへ'];
const NOTES = ['担当者を決めて連絡します', '明日訪問予定', '同行訪問で対応します', null, null, null];
const MONITORING = ['定期訪問（見守り）', '服薬状況の確認', '家計の状況確認', '学校との連絡調整', '通院同行の確認', '就労先への定着確認'];

interface CaseRef {
  id: string;
  number: string;
  createdMs: number;
  memberId: string | null;
}

/** Cases of the municipality by creation time, with their primary person. */
async function loadCases(client: Client, municipalityId: string): Promise<CaseRef[]> {
  const { rows } = await client.query<{ id: string; case_number: string; created_ms: string; member_id: string | null }>(
    `SELECT c.id, c.case_number, (extract(epoch FROM c.created_at) * 1000)::bigint AS created_ms, m.id AS member_id
     FROM cases c LEFT JOIN household_members m ON m.municipality_id = c.municipality_id AND m.case_id = c.id AND m.is_primary
     WHERE c.municipality_id = $1 ORDER BY c.created_at`,
    [municipalityId],
  );
  return rows.map((r) => ({ id: r.id, number: r.case_number, createdMs: Number(r.created_ms), memberId: r.member_id }));
}

/** Index of the last case created at or before `ms` (binary search over creation times). */
function lastCaseBefore(cases: CaseRef[], ms: number): number {
  let lo = 0;
  let hi = cases.length - 1;
  if (cases[0].createdMs > ms) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cases[mid].createdMs <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A due time about `businessDays` business days on: the closing time (17:15 JST), weekends skipped. */
function dueAfter(ms: number, businessDays: number): number {
  let day = Math.floor((ms + 9 * HOUR) / DAY);
  for (let added = 0; added < businessDays; ) {
    day++;
    const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday
    if (weekday !== 0 && weekday !== 6) added++;
  }
  return day * DAY - 9 * HOUR + 17 * HOUR + 15 * 60 * 1000;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function seedReferrals(dbUrl: string, target: ReferralSeedTarget, log: (line: string) => void): Promise<ReferralSeedResult> {
  const referralClient = new Client({ connectionString: dbUrl });
  const taskClient = new Client({ connectionString: dbUrl });
  await Promise.all([referralClient.connect(), taskClient.connect()]);
  try {
    for (const c of [referralClient, taskClient]) await c.query(`SET synchronous_commit = off`);
    const unchecked = (await Promise.all([referralClient, taskClient].map(skipForeignKeyChecks))).every(Boolean);
    const cases = await loadCases(referralClient, target.municipalityId);
    if (!cases.length) throw new Error('no cases to refer: load them first');
    const dice = new HouseholdGenerator(4_2026);
    const now = Date.now();
    const t0Ms = cases[0].createdMs;
    const span = now - t0Ms - 60_000;
    const from = target.agencies.map((a) => [a, a.sends] as const);
    const to = target.agencies.map((a) => [a, a.receives] as const);
    const referred = new Uint8Array(cases.length);
    const byStatus: Record<string, number> = { pending: 0, accepted: 0, declined: 0, withdrawn: 0 };
    let tasks = 0;
    let bytes = 0;
    let pendingTasks: Promise<void> = Promise.resolve();
    const started = performance.now();
    let lastLog = started;
    // the running totals' trigger (ReportingRollups) finds a case's other referrals and its declines by these
    const deferred = await deferIndexes(referralClient, ['referrals', 'tasks'], ['referrals_case', 'referrals_declined']);

    for (let done = 0; done < target.referrals; ) {
      let referralText = '';
      let taskText = '';
      const task = (t: {
        caseId: string; kind: string; title: string; status: string; dueAt: number | null; agencyId: string; userId?: string | null;
        sourceId?: string | null; sourceType?: string; createdAt: number; remindedAt?: number | null; completedAt?: number | null; completedBy?: string | null;
        note?: string | null; cancelReason?: string | null;
      }) => {
        const id = newId(t.createdAt);
        // An open task past its due time was escalated by the worker: it says so, and its agency has the escalation task.
        const escalatedAt = t.status === 'open' && t.dueAt !== null && t.dueAt < now && t.kind !== 'referral_response' ? t.dueAt + dice.int(1, 20) * 1000 : null;
        tasks++;
        taskText +=
          [
            target.municipalityId, id, t.caseId, t.kind, t.title, t.status, iso(t.dueAt), t.agencyId, t.userId ?? null,
            t.sourceId ? (t.sourceType ?? 'referral') : null, t.sourceId ?? null, null, iso(t.createdAt), iso(t.remindedAt ?? null), iso(escalatedAt),
            iso(t.completedAt ?? null), t.completedBy ?? null, t.note ?? null, t.cancelReason ?? null,
          ]
            .map(field)
            .join('\t') + '\n';
        if (escalatedAt !== null) escalation(t.caseId, t.title, 'task', id, escalatedAt, [t.agencyId]);
      };
      const escalation = (caseId: string, what: string, sourceType: string, sourceId: string, at: number, agencyIds: string[]) => {
        const closed = now - at > 30 * DAY && dice.chance(0.8);
        for (const agencyId of agencyIds) {
          task({
            caseId, kind: 'escalation', title: `期限超過: ${what}`, dueAt: null, agencyId, sourceId, sourceType, createdAt: at, status: closed ? 'done' : 'open',
            completedAt: closed ? at + dice.int(1, 72) * HOUR : null,
          });
        }
      };
      const end = Math.min(target.referrals, done + CHUNK);
      for (let i = done; i < end; i++) {
        // In time order, like the application writes them; each about a case opened before,
        // mostly within weeks of its opening.
        const createdMs = t0Ms + Math.floor(((i + dice.int(0, 999) / 1000) / target.referrals) * span);
        const delay = Math.min(-Math.log(1 - dice.int(0, 999_999) / 1_000_000) * 20 * DAY, createdMs - t0Ms);
        const near = lastCaseBefore(cases, createdMs - delay);
        const k = Math.max(0, Math.min(lastCaseBefore(cases, createdMs), near + dice.int(-40, 40)));
        const kase = cases[k];
        referred[k] = 1;
        const sender = dice.weighted(from);
        let receiver = dice.weighted(to);
        while (receiver === sender) receiver = dice.weighted(to);
        const kind = dice.chance(0.45) ? 'transfer' : 'collaboration';
        const basisRoll = dice.int(0, 99);
        const basis = basisRoll < 75 ? 'consent' : basisRoll < 95 ? 'support_meeting' : 'emergency';
        const respondBy = basis === 'emergency' ? createdMs + 2 * HOUR : dueAfter(createdMs, dice.chance(0.12) ? 1 : 3);
        const age = now - createdMs;
        const roll = dice.int(0, 999);
        // recent: mostly still pending; past the due time a few are left unanswered (overdue)
        const pendingPerMille = now < respondBy ? 700 : age < 30 * DAY ? 30 : 2;
        const status = roll < pendingPerMille ? 'pending' : roll < pendingPerMille + (1000 - pendingPerMille) * 0.82 ? 'accepted' : roll < pendingPerMille + (1000 - pendingPerMille) * 0.95 ? 'declined' : 'withdrawn';
        byStatus[status]++;
        const id = newId(createdMs);
        const answeredAt = status === 'pending' ? null : Math.min(now - 1000, createdMs + dice.int(10 * 60, Math.max(3600, (respondBy - createdMs) / 1000)) * 1000);
        const answeredBy = status === 'pending' ? null : status === 'withdrawn' ? sender.userId : receiver.userId;
        const escalatedAt = status === 'pending' && respondBy < now ? respondBy + dice.int(1, 20) * 1000 : null;
        const transferAccepted = status === 'accepted' && kind === 'transfer';
        const handoffDueAt = transferAccepted ? dueAfter(answeredAt!, 5) : null;
        const contactAt = transferAccepted && dice.chance(0.9) ? answeredAt! + dice.int(1, 4 * 24) * HOUR : null;
        const firstContactAt = contactAt !== null && contactAt < now ? contactAt : null;
        const handoffCheckedAt = handoffDueAt !== null && firstContactAt === null && handoffDueAt < now ? handoffDueAt + dice.int(1, 30) * 1000 : null;
        const decline = status === 'declined';
        const suggested = decline && dice.chance(0.4) ? dice.weighted(to) : null;
        referralText +=
          [
            target.municipalityId, id, kase.id, kind, status, sender.id, receiver.id, dice.pick(REASONS), basis,
            basis === 'emergency' ? '本人の生命・身体の保護のため緊急に情報提供' : null, kase.memberId ? `{${kase.memberId}}` : '{}',
            iso(respondBy), dice.chance(0.15), sender.userId, iso(createdMs), iso(answeredAt), answeredBy,
            status === 'accepted' ? dice.pick(NOTES) : status === 'withdrawn' ? '本人の意向により取り下げ' : null,
            decline ? dice.pick(DECLINES) : null, suggested ? dice.pick(SUGGESTIONS) : null, suggested && suggested !== receiver ? suggested.id : null,
            status === 'accepted' && dice.chance(0.5) ? receiver.userId : null, iso(firstContactAt), firstContactAt ? '自宅を訪問し本人と面談' : null,
            status === 'pending' ? 1 : firstContactAt ? 3 : 2, iso(escalatedAt), iso(handoffDueAt), iso(handoffCheckedAt),
          ]
            .map(field)
            .join('\t') + '\n';

        // the tasks the rules make of it
        const title = (what: string) => `${what}（ケース ${kase.number}）`;
        task({
          caseId: kase.id, kind: 'referral_response', title: title('つなぎへの回答'), dueAt: respondBy, agencyId: receiver.id, sourceId: id, createdAt: createdMs,
          status: status === 'pending' ? 'open' : status === 'withdrawn' ? 'cancelled' : 'done',
          remindedAt: respondBy - 9 * HOUR < now && (status === 'pending' || answeredAt! > respondBy - 9 * HOUR) ? respondBy - 9 * HOUR : null,
          completedAt: answeredAt, note: status === 'accepted' || status === 'declined' ? status : null, cancelReason: status === 'withdrawn' ? 'withdrawn' : null,
        });
        if (escalatedAt !== null) escalation(kase.id, title('つなぎへの回答'), 'referral', id, escalatedAt, [sender.id, receiver.id]);
        if (decline) {
          const due = dueAfter(answeredAt!, 1);
          const open = due > now - 3 * DAY || dice.chance(0.02);
          task({
            caseId: kase.id, kind: 'reroute', title: title('辞退されたつなぎの再調整'), dueAt: due, agencyId: sender.id, sourceId: id, createdAt: answeredAt!,
            status: open ? 'open' : 'done', remindedAt: due - 9 * HOUR < now ? due - 9 * HOUR : null, completedAt: open ? null : Math.min(now - 1000, answeredAt! + dice.int(1, 30) * HOUR),
            completedBy: open ? null : sender.userId,
          });
        }
        if (handoffCheckedAt !== null) {
          const closed = dice.chance(0.9);
          task({
            caseId: kase.id, kind: 'handoff_check', title: title('つなぎ後の初回接触の確認'), dueAt: null, agencyId: sender.id, sourceId: id, createdAt: handoffCheckedAt,
            status: closed ? 'done' : 'open', completedAt: closed ? Math.min(now - 1000, handoffCheckedAt + dice.int(1, 48) * HOUR) : null, completedBy: closed ? sender.userId : null,
          });
        }
        if (dice.chance(0.08)) {
          // staff's own follow-ups: mostly done once due, a few forgotten (overdue)
          const due = createdMs + dice.int(1, 60) * DAY;
          const open = due > now - 7 * DAY || dice.chance(0.02);
          const owner = dice.weighted(to);
          task({
            caseId: kase.id, kind: 'monitoring', title: dice.pick(MONITORING), dueAt: due, agencyId: owner.id, userId: dice.chance(0.5) ? owner.userId : null, createdAt: createdMs + 60_000,
            status: open ? 'open' : 'done', remindedAt: due - 9 * HOUR < now ? due - 9 * HOUR : null, completedAt: open ? null : Math.min(now - 1000, due - dice.int(0, 72) * HOUR),
            completedBy: open ? null : owner.userId,
          });
        }
      }
      done = end;
      bytes += Buffer.byteLength(referralText) + Buffer.byteLength(taskText);
      // Tasks point at cases, not referrals: the two tables load side by side on two connections.
      await pendingTasks;
      pendingTasks = copy(taskClient, TASK_COPY, taskText);
      await copy(referralClient, REFERRAL_COPY, referralText);
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`  loaded ${done.toLocaleString('en')} referrals, ${tasks.toLocaleString('en')} tasks (${Math.round(done / ((lastLog - started) / 1000)).toLocaleString('en')} referrals/s)`);
      }
    }
    await pendingTasks;
    log(`  building ${deferred.names.length} indexes of referrals and tasks`);
    const indexSeconds = await deferred.rebuild(referralClient);
    const seconds = (performance.now() - started) / 1000;

    const v0 = performance.now();
    await referralClient.query(`SET maintenance_work_mem = '256MB'`);
    await Promise.all([referralClient.query('VACUUM (ANALYZE) referrals'), taskClient.query('VACUUM (ANALYZE) tasks')]);
    const vacuumAnalyzeSeconds = (performance.now() - v0) / 1000;
    const { rows } = await referralClient.query<{ name: string; size: string }>(
      `SELECT name, pg_size_pretty(size) AS size FROM (
         SELECT 'referrals (table + indexes)' AS name, pg_total_relation_size('referrals') AS size
         UNION ALL SELECT 'tasks (table + indexes)', pg_total_relation_size('tasks')) s`,
    );
    return {
      referrals: target.referrals,
      tasks,
      seconds: round1(seconds),
      referralsPerSecond: Math.round(target.referrals / seconds),
      rowsPerSecond: Math.round((target.referrals + tasks) / seconds),
      megabytesSent: round1(bytes / 1024 / 1024),
      indexes: deferred.names,
      indexSeconds,
      foreignKeysChecked: !unchecked,
      vacuumAnalyzeSeconds: round1(vacuumAnalyzeSeconds),
      casesReferred: referred.reduce((s, v) => s + v, 0),
      byStatus,
      sizes: Object.fromEntries(rows.map((r) => [r.name, r.size])),
    };
  } finally {
    await Promise.all([referralClient.end(), taskClient.end()]);
  }
}
