import { Agent } from 'node:http';
import type { Response } from 'supertest';
import { bearer, createTenant, login, PASSWORD, TestApp } from '../app';
import { AGENCY_ROLES, AgencyKey, Relation, Role } from './rules';

const api = '/api/v1';

export interface Caller {
  role: Role;
  username: string;
  userId: string;
  agencyId: string | null;
  token: string;
}

/**
 * Who takes part: a home municipality with one agency per relation (each with a user of every
 * agency role, plus an auditor), and a second municipality with one agency of its own.
 */
export interface Population {
  t: TestApp;
  home: { code: string; municipalityId: string; agencies: Record<Exclude<AgencyKey, 'other'>, string> };
  other: { code: string; municipalityId: string; agencyId: string };
  /** The caller of a role in an agency (admin and auditor belong to the municipality alone). */
  caller(role: Role, agency: AgencyKey): Caller;
  /** A desk worker of the spare agency, target of the user routes; and one of the other municipality. */
  targetUser: Caller;
  otherUser: Caller;
  createUser(role: Role, agency: Exclude<AgencyKey, 'other'> | null): Promise<Caller>;
}

/** Kept-alive connections to the app (it listens once for the whole file): thousands of calls, not thousands of handshakes. */
export const connections = new Agent({ keepAlive: true, maxSockets: 32 });

/** A request to the app over the kept-alive connections; `path` from the root (`/api/v1/…`, `/health/…`). */
export function send(t: TestApp, method: 'get' | 'post' | 'patch', path: string) {
  return t.http()[method](path).agent(connections);
}

const queues = new WeakMap<TestApp, Promise<unknown>>();
/** A look at the database through the test's one inspector connection, one query at a time. */
export function inspect<T = any>(t: TestApp, text: string, params?: unknown[]): Promise<T[]> {
  const run = (queues.get(t) ?? Promise.resolve()).then(() => t.sql<T>(text, params));
  queues.set(t, run.catch(() => undefined));
  return run;
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** One request that must succeed with `status` (fixtures are built over HTTP, as clients would). */
export async function must(t: TestApp, token: string, method: 'get' | 'post' | 'patch', path: string, body: object | undefined, status: number): Promise<any> {
  let req = send(t, method, `${api}${path}`).set(bearer(token));
  if (body !== undefined) req = req.send(body);
  const res: Response = await req;
  if (res.status !== status) throw new Error(`fixture ${method.toUpperCase()} ${path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const HOME_AGENCIES: Array<[Exclude<AgencyKey, 'other'>, string, string]> = [
  ['lead', '主担当の相談窓口', 'consultation_desk'],
  ['involved', '関係する地域包括支援センター', 'community_support_centre'],
  ['receiving', 'つなぎ先の基幹相談支援センター', 'disability_support_centre'],
  ['referring', 'つなぎ元の自立相談支援機関', 'self_reliance_support'],
  ['keeper', '社会資源を管理する社会福祉協議会', 'social_welfare_council'],
  ['unrelated', '関係のないこども支援センター', 'child_support_centre'],
  ['spare', '予備の庁内関係課', 'city_department'],
];

export async function buildPopulation(t: TestApp): Promise<Population> {
  const [home, other] = await Promise.all([createTenant(t), createTenant(t)]);
  const agencies = {} as Record<Exclude<AgencyKey, 'other'>, string>;
  await Promise.all(
    HOME_AGENCIES.map(async ([key, name, kind]) => {
      agencies[key] = (await must(t, home.adminToken, 'post', '/agencies', { code: `mx-${key}`, name, kind }, 201)).id;
    }),
  );
  const otherAgencyId = (await must(t, other.adminToken, 'post', '/agencies', { code: 'mx-other', name: '別の自治体の相談窓口', kind: 'consultation_desk' }, 201)).id as string;
  // Volunteers' reports land at the spare agency, away from the agencies under test.
  await must(t, home.adminToken, 'patch', '/municipality/settings', { intakeAgencyId: agencies.spare }, 200);
  await must(t, other.adminToken, 'patch', '/municipality/settings', { intakeAgencyId: otherAgencyId }, 200);

  let serial = 0;
  const make = async (tenant: { code: string; adminToken: string }, role: Role, agencyId: string | null, tag: string): Promise<Caller> => {
    const username = `mx-${tag}-${role.replace('_', '')}-${++serial}`;
    const created = await must(t, tenant.adminToken, 'post', '/users', { username, displayName: `行列 ${tag} ${role}`, agencyId: agencyId ?? undefined, roles: [role], password: PASSWORD }, 201);
    return { role, username, userId: created.id, agencyId, token: await login(t, tenant.code, username) };
  };
  const adminOf = async (tenant: { code: string; adminToken: string }): Promise<Caller> => {
    const me = await must(t, tenant.adminToken, 'get', '/me', undefined, 200);
    return { role: 'admin', username: me.username, userId: me.id, agencyId: null, token: tenant.adminToken };
  };

  const callers = new Map<string, Caller>();
  const jobs: Array<() => Promise<void>> = [];
  const agencyKeys = HOME_AGENCIES.map(([key]) => key).filter((k) => k !== 'spare');
  for (const key of agencyKeys) for (const role of AGENCY_ROLES) jobs.push(async () => void callers.set(`${key}/${role}`, await make(home, role, agencies[key], key)));
  for (const role of AGENCY_ROLES) jobs.push(async () => void callers.set(`other/${role}`, await make(other, role, otherAgencyId, 'other')));
  jobs.push(async () => void callers.set('home/auditor', await make(home, 'auditor', null, 'home')));
  jobs.push(async () => void callers.set('other/auditor', await make(other, 'auditor', null, 'other')));
  jobs.push(async () => void callers.set('home/admin', await adminOf(home)));
  jobs.push(async () => void callers.set('other/admin', await adminOf(other)));
  jobs.push(async () => void callers.set('target', await make(home, 'desk_staff', agencies.spare, 'target')));
  jobs.push(async () => void callers.set('otherTarget', await make(other, 'desk_staff', otherAgencyId, 'othertarget')));
  await pool(jobs, 6, (job) => job());

  const get = (key: string) => {
    const found = callers.get(key);
    if (!found) throw new Error(`no caller ${key}`);
    return found;
  };
  return {
    t,
    home: { code: home.code, municipalityId: home.municipalityId, agencies },
    other: { code: other.code, municipalityId: other.municipalityId, agencyId: otherAgencyId },
    caller: (role, agency) => {
      const municipality = agency === 'other' ? 'other' : 'home';
      if (role === 'admin' || role === 'auditor') return get(`${municipality}/${role}`);
      return get(agency === 'other' ? `other/${role}` : `${agency}/${role}`);
    },
    targetUser: get('target'),
    otherUser: get('otherTarget'),
    createUser: (role, agency) => make(home, role, agency ? agencies[agency] : null, agency ?? 'home'),
  };
}

// ---------------------------------------------------------------------------------------------
// Targets ("worlds"): an object and the agencies around it, built over HTTP.

export interface World {
  /** The target's id (a case, referral, task, notification, user, agency …). */
  id: string;
  caseId?: string;
  restricted: boolean;
  /** The primary person's name and birth date (search and locate). */
  name?: string;
  birthDate?: string;
  /** A fresh fixture may bring its own caller (a user changing their own password). */
  caller?: Caller;
  [key: string]: unknown;
}

export interface WorldKind {
  /** The letters of each relation that applies to this kind of target; a relation left out is folded. */
  relations: Partial<Record<Relation, string>>;
  /** Whether a caller can see the target at all (not seeing it is 404): by role, letters, a restricted case, the same municipality. */
  sees(role: Role, letters: string, restricted: boolean, home: boolean): boolean;
  /** A new target; `cell` names the allowed call when the target is made for that call alone. */
  build(p: Population, restricted: boolean, cell?: { relation: Relation; role: Role }): Promise<World>;
  /** The target as a caller faces it (the `self` relation targets the caller's own account). */
  targetFor?(world: World, relation: Relation, caller: Caller): World;
  /** A fingerprint of everything the target is made of, to prove a denied call changed nothing. */
  state(p: Population, world: World): Promise<string>;
}

let nameCounter = 0;
const KANA = 'アイウエオカキクケコ';
function uniqueName(): string {
  return `行列${String(++nameCounter).padStart(4, '0').replace(/\d/g, (d) => KANA[Number(d)])}`;
}
export const BIRTH_DATE = '1961-02-03';

/** Rule 8: staff see a case as lead, involved or receiving agency; supervisors every case of their municipality but a restricted one. */
const caseSees = (role: Role, letters: string, restricted: boolean, home: boolean) => letters.includes('V') || (role === 'supervisor' && home && !restricted);

let caseTables: string[] | null = null;
/** Every row that belongs to the case (the audit trail aside: reading is on it by design). */
async function caseState(p: Population, caseId: string): Promise<string> {
  caseTables ??= (
    await inspect<{ table_name: string }>(
      p.t,
      `SELECT DISTINCT c.table_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
       WHERE c.table_schema = 'public' AND c.column_name = 'case_id' AND t.table_type = 'BASE TABLE' AND c.table_name NOT LIKE 'audit%' ORDER BY 1`,
    )
  ).map((r) => r.table_name);
  const parts = [`SELECT 'cases' AS t, md5(x::text) AS h FROM cases x WHERE id = $1`, ...caseTables.map((name) => `SELECT '${name}', md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ${name} x WHERE case_id = $1`)];
  const rows = await inspect<{ t: string; h: string }>(p.t, parts.join(' UNION ALL '), [caseId]);
  return rows.map((r) => `${r.t}:${r.h}`).join(',');
}

async function rowState(p: Population, table: string, id: string): Promise<string> {
  const [row] = await inspect<{ h: string }>(p.t, `SELECT md5(x::text) AS h FROM ${table} x WHERE id = $1`, [id]);
  return row?.h ?? 'missing';
}

const a = (p: Population, key: Exclude<AgencyKey, 'other'>) => p.home.agencies[key];
const desk = (p: Population, key: Exclude<AgencyKey, 'other'>) => p.caller('desk_staff', key).token;

/** A case opened by `opener`'s agency, the primary person consenting to sharing. */
async function openCase(p: Population, opener: Exclude<AgencyKey, 'other'>, restricted: boolean) {
  const name = uniqueName();
  const body = await must(p.t, desk(p, opener), 'post', '/cases', {
    channel: 'walk_in',
    summary: restricted ? '配偶者からの暴力（行列テスト）' : '生活の困りごと（行列テスト）',
    concerns: restricted ? ['domestic_violence'] : ['isolation'],
    household: { address: '行列市中央1-2-3', members: [{ name, birthDate: BIRTH_DATE, isPrimary: true, consent: { status: 'obtained' } }] },
  }, 201);
  if (body.restricted !== restricted) throw new Error('fixture: restricted flag not as intended');
  return { caseId: body.id as string, name };
}

async function refer(p: Population, from: Exclude<AgencyKey, 'other'>, caseId: string, to: Exclude<AgencyKey, 'other'>, kind: 'transfer' | 'collaboration'): Promise<string> {
  return (await must(p.t, desk(p, from), 'post', `/cases/${caseId}/referrals`, { toAgencyId: a(p, to), kind, reason: '行列テストのつなぎ', basis: 'consent' }, 201)).id;
}
const accept = (p: Population, by: Exclude<AgencyKey, 'other'>, referralId: string) => must(p.t, desk(p, by), 'post', `/referrals/${referralId}/accept`, {}, 200);

/**
 * The case the case routes are tried on. The referring agency opened it and transferred it to
 * the lead, which recorded first contact (so the referrer has stepped back); the involved
 * agency collaborates; the receiving agency has a collaboration referral pending.
 */
export const caseWorld: WorldKind = {
  relations: { lead: 'LIV', involved: 'IV', receiving: 'RV', referring: '', unrelated: '', otherMunicipality: '', restricted: '', restrictedInvolved: 'IV' },
  sees: caseSees,
  async build(p, restricted) {
    const { caseId, name } = await openCase(p, 'referring', restricted);
    const transfer = await refer(p, 'referring', caseId, 'lead', 'transfer');
    await accept(p, 'lead', transfer);
    await must(p.t, desk(p, 'lead'), 'post', `/referrals/${transfer}/first-contact`, { occurredAt: new Date().toISOString() }, 200);
    const [toInvolved, pendingReferralId] = await Promise.all([refer(p, 'lead', caseId, 'involved', 'collaboration'), refer(p, 'lead', caseId, 'receiving', 'collaboration')]);
    await Promise.all([accept(p, 'involved', toInvolved), must(p.t, desk(p, 'lead'), 'post', `/cases/${caseId}/transitions`, { to: 'support' }, 200)]);
    return { id: caseId, caseId, restricted, name, birthDate: BIRTH_DATE, pendingReferralId };
  },
  state: (p, w) => caseState(p, w.caseId!),
};

/**
 * A pending collaboration referral made by an involved agency (the referring one), so that
 * the lead, the referrer and the receiver are three different agencies.
 */
export const referralWorld: WorldKind = {
  relations: { lead: 'LIV', involved: 'IV', receiving: 'RV', referring: 'SIV', unrelated: '', otherMunicipality: '', restricted: '', restrictedInvolved: 'IV' },
  sees: caseSees,
  async build(p, restricted) {
    const { caseId } = await openCase(p, 'lead', restricted);
    const [toInvolved, toReferring] = await Promise.all([refer(p, 'lead', caseId, 'involved', 'collaboration'), refer(p, 'lead', caseId, 'referring', 'collaboration')]);
    await Promise.all([accept(p, 'involved', toInvolved), accept(p, 'referring', toReferring)]);
    const id = await refer(p, 'referring', caseId, 'receiving', 'collaboration');
    return { id, caseId, restricted };
  },
  state: (p, w) => caseState(p, w.caseId!),
};

/** An accepted transfer awaiting first contact: the receiver now leads, the referrer monitors the hand-off. */
export const transferWorld: WorldKind = {
  relations: { receiving: 'RLIV', referring: 'SIV', involved: 'IV', unrelated: '', otherMunicipality: '', restricted: '', restrictedInvolved: 'IV' },
  sees: caseSees,
  async build(p, restricted) {
    const { caseId } = await openCase(p, 'referring', restricted);
    const [toInvolved, id] = await Promise.all([refer(p, 'referring', caseId, 'involved', 'collaboration'), refer(p, 'referring', caseId, 'receiving', 'transfer')]);
    await Promise.all([accept(p, 'involved', toInvolved), accept(p, 'receiving', id)]);
    return { id, caseId, restricted };
  },
  state: (p, w) => caseState(p, w.caseId!),
};

/** A task of the involved agency on the shared case (the lead assigned it). */
export function taskWorld(shared: (kind: WorldKind, restricted: boolean) => Promise<World>): WorldKind {
  return {
    relations: { lead: 'LIV', involved: 'IVT', receiving: 'RV', referring: '', unrelated: '', otherMunicipality: '', restricted: '', restrictedInvolved: 'IVT' },
    sees: (role, letters, restricted, home) => letters.includes('T') || (role === 'supervisor' && caseSees(role, letters, restricted, home)),
    async build(p, restricted) {
      const kase = await shared(caseWorld, restricted);
      const dueAt = new Date(Date.now() + 3600e3).toISOString();
      const task = await must(p.t, desk(p, 'lead'), 'post', `/cases/${kase.caseId}/tasks`, { kind: 'custom', title: '行列テストの確認', dueAt, assigneeAgencyId: a(p, 'involved') }, 201);
      return { id: task.id, caseId: kase.caseId, restricted };
    },
    state: (p, w) => caseState(p, w.caseId!),
  };
}

/** The receiving agency's notification of the shared case's pending referral. */
export function notificationWorld(shared: (kind: WorldKind, restricted: boolean) => Promise<World>): WorldKind {
  return {
    relations: { receiving: 'N', lead: '', involved: '', unrelated: '', otherMunicipality: '', restricted: '' },
    sees: (_role, letters) => letters.includes('N'),
    async build(p, restricted) {
      const kase = await shared(caseWorld, restricted);
      const [row] = await inspect<{ id: string }>(p.t, `SELECT id FROM notifications WHERE entity_id = $1 AND recipient_agency_id = $2`, [kase.pendingReferralId, a(p, 'receiving')]);
      if (!row) throw new Error('fixture: no notification of the pending referral');
      return { id: row.id, caseId: kase.caseId, restricted };
    },
    state: async (p, w) => `${await rowState(p, 'notifications', w.id)}/${await caseState(p, w.caseId!)}`,
  };
}

/**
 * A staff account: a desk worker of the spare agency (`unrelated`), the caller's own account
 * (`self`), seen from another municipality. A fresh one for every allowed call that spends it.
 */
export const userWorld: WorldKind = {
  relations: { self: 'E', unrelated: '', otherMunicipality: '' },
  sees: (_role, _letters, _restricted, home) => home,
  async build(p, _restricted, cell) {
    if (!cell) return { id: p.targetUser.userId, restricted: false, agencyId: p.targetUser.agencyId };
    if (cell.relation === 'self') {
      const caller = await p.createUser(cell.role, cell.role === 'admin' || cell.role === 'auditor' ? null : 'unrelated');
      return { id: caller.userId, restricted: false, agencyId: caller.agencyId, caller };
    }
    const target = await p.createUser('desk_staff', 'spare');
    return { id: target.userId, restricted: false, agencyId: target.agencyId };
  },
  targetFor: (world, relation, caller) => (relation === 'self' && !world.caller ? { ...world, id: caller.userId, agencyId: caller.agencyId } : world),
  state: (p, w) => rowState(p, 'users', w.id),
};

/** An agency of the home municipality the caller does not belong to. */
export const agencyWorld: WorldKind = {
  relations: { unrelated: '', otherMunicipality: '' },
  sees: (_role, _letters, _restricted, home) => home,
  build: async (p) => ({ id: p.home.agencies.spare, restricted: false }),
  state: (p, w) => rowState(p, 'agencies', w.id),
};

/** Today in Asia/Tokyo, and a date some days from it (YYYY-MM-DD). */
export function tokyoDate(daysFromToday = 0): string {
  return new Date(Date.now() + 9 * 3600e3 + daysFromToday * 86400e3).toISOString().slice(0, 10);
}

/** A draft support plan on a case of its own (one draft at a time per case), with its approving conference recorded. */
export const planWorld: WorldKind = {
  relations: caseWorld.relations,
  sees: caseSees,
  async build(p, restricted) {
    const kase = await caseWorld.build(p, restricted);
    const conference = await must(p.t, desk(p, 'lead'), 'post', `/cases/${kase.caseId}/conferences`, {
      type: 'case_review', heldAt: new Date(Date.now() - 3600e3).toISOString(), participantAgencyIds: [a(p, 'lead'), a(p, 'involved')], summary: 'プラン承認のための事例検討',
    }, 201);
    const plan = await must(p.t, desk(p, 'lead'), 'post', `/cases/${kase.caseId}/plans`, { personWishes: '地域で暮らし続けたい', goals: [{ term: 'long_term', text: '地域の居場所につながる' }], actions: [] }, 201);
    return { id: plan.id, caseId: kase.caseId, restricted, conferenceId: conference.id, goalIds: plan.goals.map((g: { id: string }) => g.id) };
  },
  state: (p, w) => caseState(p, w.caseId!),
};

/** An active plan (its draft activated by the lead with the person's agreement). */
export const activePlanWorld: WorldKind = {
  ...planWorld,
  async build(p, restricted) {
    const plan = await planWorld.build(p, restricted);
    await must(p.t, desk(p, 'lead'), 'post', `/plans/${plan.id}/activate`, { personAgreedOn: tokyoDate(), conferenceId: plan.conferenceId }, 200);
    return plan;
  },
};

export const INTERNAL_NOTE = '行列テストの内部メモ（公開しない）';
/** A community resource kept by the keeper agency, public and taking people in. */
async function newResource(p: Population): Promise<World> {
  const name = `${uniqueName()}サロン`;
  const body = await must(p.t, p.caller('coordinator', 'keeper').token, 'post', '/resources', { name, kind: 'salon', accepting: true, public: true, internalNote: INTERNAL_NOTE }, 201);
  return { id: body.id, restricted: false, name };
}

/** A resource of the directory: the keeper agency keeps it; everyone of the municipality but volunteers reads it. */
export const resourceWorld: WorldKind = {
  relations: { keeper: 'K', unrelated: '', otherMunicipality: '' },
  sees: (_role, _letters, _restricted, home) => home,
  build: (p) => newResource(p),
  state: (p, w) => rowState(p, 'resources', w.id),
};

/** The primary person of the shared case linked to a resource of their own, proposed or started (by the lead). */
export function participationWorld(shared: (kind: WorldKind, restricted: boolean) => Promise<World>, status: 'proposed' | 'started'): WorldKind {
  return {
    relations: caseWorld.relations,
    sees: caseSees,
    async build(p, restricted) {
      const kase = await shared(caseWorld, restricted);
      const resource = await newResource(p);
      const body = await must(p.t, desk(p, 'lead'), 'post', `/cases/${kase.caseId}/participations`, { resourceId: resource.id, status }, 201);
      return { id: body.id, caseId: kase.caseId, restricted, resourceId: resource.id };
    },
    state: (p, w) => caseState(p, w.caseId!),
  };
}

/**
 * Targets made one after another on one fixture, for allowed calls that spend their target
 * where a whole new fixture would only repeat the same set-up.
 */
export interface Renewal {
  /** The fixture (one per variant, ordinary or restricted). */
  base: WorldKind;
  /** The target for the next allowed call, the one before having been spent. */
  next(p: Population, base: World, first: boolean): Promise<World>;
}

/** Another pending collaboration referral from the referring to the receiving agency (the last one was declined or withdrawn). */
export const nextPendingReferral: Renewal = {
  base: referralWorld,
  next: async (p, base, first) => (first ? base : { ...base, id: await refer(p, 'referring', base.caseId!, 'receiving', 'collaboration') }),
};

/** The case with its draft slot free again: the lead activates the draft the last call made (one draft at a time per case). */
export const freeDraftSlot: Renewal = {
  base: planWorld,
  async next(p, base) {
    const drafts = await inspect<{ id: string }>(p.t, `SELECT id FROM plans WHERE case_id = $1 AND status = 'draft'`, [base.caseId]);
    for (const { id } of drafts) await must(p.t, desk(p, 'lead'), 'post', `/plans/${id}/activate`, { personAgreedOn: tokyoDate(), conferenceId: base.conferenceId }, 200);
    return { ...base, id: base.caseId! };
  },
};

/** A new draft on the case (the last one was activated). */
export const nextDraft: Renewal = {
  base: planWorld,
  next: async (p, base, first) =>
    first ? base : { ...base, id: (await must(p.t, desk(p, 'lead'), 'post', `/cases/${base.caseId}/plans`, { personWishes: '次の版', goals: [{ term: 'long_term', text: '地域の居場所につながる' }], actions: [] }, 201)).id },
};
