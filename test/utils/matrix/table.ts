import request from 'supertest';
import { PASSWORD, TestApp } from '../app';
import {
  activePlanWorld, agencyWorld, Caller, caseWorld, freeDraftSlot, inspect, INTERNAL_NOTE, nextDraft, nextPendingReferral, notificationWorld,
  participationWorld, planWorld, Population, referralWorld, Renewal, resourceWorld, taskWorld, tokyoDate, transferWorld, userWorld, World, WorldKind,
} from './fixtures';
import { need, no, only, Relation, Role, Who, yes } from './rules';

const api = '/api/v1';

/** An answer as the matrix judges it. */
export interface Answer {
  status: number;
  type?: string;
  body: any;
}

/** One cell: a role, standing in a relation to a target, calling one operation. */
export interface Cell {
  p: Population;
  t: TestApp;
  role: Role;
  relation: Relation;
  /** The letters of the relation (see rules.ts) and whether the target is in the caller's municipality. */
  letters: string;
  home: boolean;
  caller: Caller;
  target: World;
  get(path: string): Promise<Answer>;
  post(path: string, body?: object): Promise<Answer>;
  patch(path: string, body: object, headers?: Record<string, string>): Promise<Answer>;
  /** Without a token, `path` from the root (public routes). */
  anonymous(method: 'get' | 'post', path: string, body?: object): Promise<Answer>;
}

export interface Row {
  /** `METHOD /path` exactly as the OpenAPI document names it. */
  op: string;
  /** The kind of target the relations are about; null for operations on no particular object. */
  target: WorldKind | null;
  who: Who;
  call(c: Cell): Promise<Answer>;
  /**
   * Lists and searches: every role that may call them gets 200; the target must appear in the
   * answer exactly when `listed` (default: when the caller can see it).
   */
  query?: { ids?: (body: any) => string[]; listed?: (letters: string, visible: boolean) => boolean };
  /**
   * An allowed call spends its target (answers a referral, completes a task …): `true` builds a
   * fresh target per allowed cell; a renewal makes the next target on one fixture instead.
   */
  spends?: true | Renewal;
  /** Allowed calls change a shared target in a way the next one depends on (a version, a status): one at a time. */
  serial?: boolean;
  /** More to check in an allowed answer. */
  check?(body: any, c: Cell): void;
  /** Puts a shared target back after an allowed call (so the relations stay as they were). */
  undo?(c: Cell, body: any): Promise<void>;
  /** No token needed (login, health): every caller is allowed, with or without one. */
  public?: boolean;
}

export function answer(res: request.Response): Answer {
  return { status: res.status, type: res.headers['content-type'], body: res.body };
}

const CASE_READ: Who = { staff: yes, supervisor: yes, volunteer: no, admin: no, auditor: no };
const byLetter = (letters: string): Who => ({ staff: need(letters), supervisor: yes, volunteer: no, admin: no, auditor: no });
const DIRECTORY: Who = { staff: yes, supervisor: yes, volunteer: no, admin: yes, auditor: yes };
const ADMIN_ONLY: Who = { staff: no, supervisor: no, volunteer: no, admin: yes, auditor: no };
const SUPERVISOR_ONLY: Who = { staff: no, supervisor: yes, volunteer: no, admin: no, auditor: no };
const EVERYONE: Who = { staff: yes, supervisor: yes, volunteer: yes, admin: yes, auditor: yes };
const items = (body: any): string[] => (body.items as Array<{ id: string }>).map((i) => i.id);
const future = (ms: number) => new Date(Date.now() + ms).toISOString();
let made = 0;

/** The current ETag of a row, read as a client would have read it just before (If-Match). */
async function etagOf(c: Cell, table: 'cases' | 'plans' | 'resources', column: 'version' | 'revision', id: string): Promise<string> {
  const [row] = await inspect<Record<string, number>>(c.t, `SELECT ${column} FROM ${table} WHERE id = $1`, [id]);
  return `"${row[column]}"`;
}

/**
 * CONTRACT.md "Who may do what", one row per operation of the OpenAPI document. Generated
 * cells: every role × every relation the row's target has; the expected status of each comes
 * from `who` and the relation's letters (rules.ts). A route without a row fails the test.
 */
export function matrixTable(shared: (kind: WorldKind, restricted: boolean) => Promise<World>): Row[] {
  const tasks = taskWorld(shared);
  const notifications = notificationWorld(shared);
  const proposed = participationWorld(shared, 'proposed');
  const started = participationWorld(shared, 'started');
  return [
    // ── Auth and administration ──────────────────────────────────────────────────────────
    {
      op: 'POST /api/v1/auth/login', target: null, who: EVERYONE, public: true,
      call: (c) => c.anonymous('post', `${api}/auth/login`, { municipality: c.home ? c.p.home.code : c.p.other.code, username: c.caller.username, password: PASSWORD }),
      check: (body, c) => expect(body.user.id).toBe(c.caller.userId),
    },
    { op: 'GET /api/v1/me', target: null, who: EVERYONE, call: (c) => c.get('/me'), check: (body, c) => expect(body.id).toBe(c.caller.userId) },
    { op: 'GET /api/v1/meta/vocabularies', target: null, who: EVERYONE, call: (c) => c.get('/meta/vocabularies') },
    { op: 'POST /api/v1/agencies', target: null, who: ADMIN_ONLY, call: (c) => c.post('/agencies', { code: `mx-new-${++made}`, name: '新設の相談窓口', kind: 'other' }) },
    { op: 'GET /api/v1/agencies', target: agencyWorld, who: DIRECTORY, query: { ids: items }, call: (c) => c.get('/agencies?limit=200') },
    { op: 'GET /api/v1/agencies/{id}', target: agencyWorld, who: DIRECTORY, call: (c) => c.get(`/agencies/${c.target.id}`) },
    {
      op: 'POST /api/v1/users', target: null, who: ADMIN_ONLY,
      call: (c) => c.post('/users', { username: `mx-new-${++made}`, displayName: '新規 職員', agencyId: c.p.home.agencies.spare, roles: ['desk_staff'], password: PASSWORD }),
    },
    {
      op: 'GET /api/v1/users', target: userWorld, query: { ids: items },
      who: { staff: no, supervisor: yes, volunteer: no, admin: yes, auditor: no },
      call: (c) => c.get(`/users?limit=200${c.target.agencyId ? `&agencyId=${c.target.agencyId}` : ''}`),
    },
    { op: 'GET /api/v1/users/{id}', target: userWorld, who: { staff: no, supervisor: yes, volunteer: no, admin: yes, auditor: no }, call: (c) => c.get(`/users/${c.target.id}`) },
    { op: 'PATCH /api/v1/users/{id}', target: userWorld, who: ADMIN_ONLY, call: (c) => c.patch(`/users/${c.target.id}`, { displayName: '行列 対象者' }) },
    {
      op: 'POST /api/v1/users/{id}/password', target: userWorld, spends: true,
      who: { staff: only('E'), supervisor: only('E'), volunteer: only('E'), admin: yes, auditor: only('E') },
      call: (c) => c.post(`/users/${c.target.id}/password`, { newPassword: 'matrix-changed-password', currentPassword: PASSWORD }),
    },
    { op: 'GET /api/v1/municipality/settings', target: null, who: DIRECTORY, call: (c) => c.get('/municipality/settings') },
    { op: 'PATCH /api/v1/municipality/settings', target: null, who: ADMIN_ONLY, call: (c) => c.patch('/municipality/settings', { retentionYears: 5 }) },
    { op: 'GET /api/v1/calendar/add-business-days', target: null, who: DIRECTORY, call: (c) => c.get('/calendar/add-business-days?from=2026-04-30&days=3') },

    // ── Cases ────────────────────────────────────────────────────────────────────────────
    {
      op: 'POST /api/v1/cases', target: null, who: { staff: yes, supervisor: yes, volunteer: yes, admin: no, auditor: no },
      call: (c) => c.post('/cases', { channel: c.role === 'volunteer' ? 'volunteer_report' : 'phone', summary: '行列テストの受付' }),
      // A volunteer submits and reads nothing back (rule 8).
      check: (body, c) => c.role === 'volunteer' && expect(Object.keys(body).sort()).toEqual(['caseNumber', 'id']),
    },
    { op: 'GET /api/v1/cases', target: caseWorld, who: CASE_READ, query: { ids: items }, call: (c) => c.get(`/cases?q=${encodeURIComponent(c.target.name!)}&limit=200`) },
    { op: 'POST /api/v1/cases/search', target: caseWorld, who: CASE_READ, query: { ids: items }, call: (c) => c.post('/cases/search', { q: c.target.name, limit: 200 }) },
    {
      op: 'POST /api/v1/cases/locate', target: caseWorld, query: {},
      who: { staff: { desk_staff: yes, csw: no, coordinator: no, agency_staff: no }, supervisor: yes, volunteer: no, admin: no, auditor: no },
      call: (c) => c.post('/cases/locate', { name: c.target.name, birthDate: c.target.birthDate }),
      // Which agency leads, never which case: an open case of the municipality is found, a restricted one never.
      check: (body, c) => {
        expect(body.found).toBe(c.home && !c.target.restricted);
        expect(JSON.stringify(body)).not.toContain(c.target.caseId);
      },
    },
    {
      op: 'GET /api/v1/cases/{id}', target: caseWorld, who: CASE_READ, call: (c) => c.get(`/cases/${c.target.id}`),
      check: (body, c) => {
        expect(body.id).toBe(c.target.id);
        // A restricted case's address is for the lead agency alone.
        expect(body.household.address).toBe(c.target.restricted && !c.letters.includes('L') ? null : '行列市中央1-2-3');
      },
    },
    {
      op: 'PATCH /api/v1/cases/{id}', target: caseWorld, who: byLetter('L'), serial: true,
      call: async (c) => c.patch(`/cases/${c.target.id}`, { urgency: 'high' }, { 'If-Match': await etagOf(c, 'cases', 'version', c.target.id) }),
    },
    {
      op: 'POST /api/v1/cases/{id}/transitions', target: caseWorld, who: byLetter('L'), serial: true,
      call: async (c) => {
        const [row] = await inspect<{ status: string }>(c.t, 'SELECT status FROM cases WHERE id = $1', [c.target.id]);
        return c.post(`/cases/${c.target.id}/transitions`, { to: row.status === 'support' ? 'monitoring' : 'support' });
      },
    },
    { op: 'POST /api/v1/cases/{id}/notes', target: caseWorld, who: byLetter('I'), call: (c) => c.post(`/cases/${c.target.id}/notes`, { kind: 'record', body: '行列テストの記録' }) },
    { op: 'GET /api/v1/cases/{id}/notes', target: caseWorld, who: CASE_READ, call: (c) => c.get(`/cases/${c.target.id}/notes`) },
    { op: 'GET /api/v1/cases/{id}/timeline', target: caseWorld, who: CASE_READ, call: (c) => c.get(`/cases/${c.target.id}/timeline`) },

    // ── Tasks and notifications ──────────────────────────────────────────────────────────
    { op: 'POST /api/v1/cases/{id}/tasks', target: caseWorld, who: byLetter('I'), call: (c) => c.post(`/cases/${c.target.id}/tasks`, { kind: 'custom', title: '行列テストの追加', dueAt: future(2 * 86400e3) }) },
    {
      op: 'GET /api/v1/tasks', target: tasks, who: CASE_READ, query: { ids: items, listed: (letters) => letters.includes('T') },
      call: (c) => c.get('/tasks?scope=agency&status=open&limit=200'),
    },
    { op: 'POST /api/v1/tasks/{id}/complete', target: tasks, who: byLetter('T'), spends: true, call: (c) => c.post(`/tasks/${c.target.id}/complete`, { note: '完了' }) },
    { op: 'POST /api/v1/tasks/{id}/cancel', target: tasks, who: byLetter('T'), spends: true, call: (c) => c.post(`/tasks/${c.target.id}/cancel`, { reason: '不要になった' }) },
    {
      op: 'GET /api/v1/notifications', target: notifications, who: CASE_READ, query: { ids: items, listed: (letters) => letters.includes('N') },
      call: (c) => c.get('/notifications?limit=200'),
    },
    { op: 'POST /api/v1/notifications/{id}/read', target: notifications, who: CASE_READ, call: (c) => c.post(`/notifications/${c.target.id}/read`) },

    // ── Conferences ──────────────────────────────────────────────────────────────────────
    {
      op: 'POST /api/v1/cases/{id}/conferences', target: caseWorld, who: byLetter('I'),
      call: (c) => c.post(`/cases/${c.target.id}/conferences`, { type: 'case_review', heldAt: future(-3600e3), participantAgencyIds: [c.p.home.agencies.lead], summary: '行列テストの会議' }),
    },
    { op: 'GET /api/v1/cases/{id}/conferences', target: caseWorld, who: CASE_READ, call: (c) => c.get(`/cases/${c.target.id}/conferences`) },

    // ── Referrals ────────────────────────────────────────────────────────────────────────
    {
      op: 'POST /api/v1/cases/{id}/referrals', target: caseWorld, who: byLetter('I'), serial: true,
      call: (c) => c.post(`/cases/${c.target.id}/referrals`, { toAgencyId: c.p.home.agencies.spare, kind: 'collaboration', reason: '行列テストの連携依頼', basis: 'consent' }),
      // The new referral would make the spare agency a receiver: withdraw it again.
      undo: async (c, body) => expect((await c.post(`/referrals/${body.id}/withdraw`, { reason: '行列テストの後始末' })).status).toBe(200),
    },
    { op: 'GET /api/v1/cases/{id}/referrals', target: caseWorld, who: CASE_READ, call: (c) => c.get(`/cases/${c.target.id}/referrals`) },
    {
      op: 'GET /api/v1/referrals', target: referralWorld, who: CASE_READ, query: { ids: items, listed: (letters) => letters.includes('R') || letters.includes('S') },
      call: async (c) => {
        const incoming = await c.get('/referrals?direction=incoming&status=pending&limit=200');
        const outgoing = await c.get('/referrals?direction=outgoing&status=pending&limit=200');
        if (incoming.status !== 200) return incoming;
        if (outgoing.status !== 200) return outgoing;
        return { ...incoming, body: { items: [...incoming.body.items, ...outgoing.body.items], nextCursor: incoming.body.nextCursor ?? outgoing.body.nextCursor } };
      },
    },
    { op: 'GET /api/v1/referrals/{id}', target: referralWorld, who: CASE_READ, call: (c) => c.get(`/referrals/${c.target.id}`) },
    { op: 'POST /api/v1/referrals/{id}/accept', target: referralWorld, who: byLetter('R'), spends: true, call: (c) => c.post(`/referrals/${c.target.id}/accept`, {}) },
    { op: 'POST /api/v1/referrals/{id}/decline', target: referralWorld, who: byLetter('R'), spends: nextPendingReferral, call: (c) => c.post(`/referrals/${c.target.id}/decline`, { reason: '対象外のため' }) },
    { op: 'POST /api/v1/referrals/{id}/withdraw', target: referralWorld, who: byLetter('S'), spends: nextPendingReferral, call: (c) => c.post(`/referrals/${c.target.id}/withdraw`, { reason: '取り下げ' }) },
    {
      op: 'POST /api/v1/referrals/{id}/first-contact', target: transferWorld, who: byLetter('R'), spends: true,
      call: (c) => c.post(`/referrals/${c.target.id}/first-contact`, { occurredAt: new Date().toISOString() }),
    },

    // ── Plans (支援プラン) and outcomes ───────────────────────────────────────────────────
    {
      // One draft at a time per case: before each allowed call the lead activates the last draft.
      op: 'POST /api/v1/cases/{id}/plans', target: caseWorld, who: byLetter('I'), spends: freeDraftSlot,
      call: (c) => c.post(`/cases/${c.target.id}/plans`, { personWishes: '働きたい', goals: [{ term: 'short_term', text: '就労体験に参加する' }], actions: [] }),
    },
    { op: 'GET /api/v1/cases/{id}/plans', target: caseWorld, who: CASE_READ, call: (c) => c.get(`/cases/${c.target.id}/plans`) },
    { op: 'GET /api/v1/plans/{id}', target: planWorld, who: CASE_READ, call: (c) => c.get(`/plans/${c.target.id}`), check: (body, c) => expect(body.id).toBe(c.target.id) },
    {
      op: 'PATCH /api/v1/plans/{id}', target: planWorld, who: byLetter('I'), serial: true,
      call: async (c) => c.patch(`/plans/${c.target.id}`, { personWishes: '地域で暮らし続けたい（更新）' }, { 'If-Match': await etagOf(c, 'plans', 'revision', c.target.id) }),
    },
    {
      op: 'POST /api/v1/plans/{id}/activate', target: planWorld, who: byLetter('L'), spends: nextDraft,
      call: (c) => c.post(`/plans/${c.target.id}/activate`, { personAgreedOn: tokyoDate(), conferenceId: c.target.conferenceId }),
    },
    {
      // `continue` keeps the plan active, so every allowed evaluation finds it evaluable.
      op: 'POST /api/v1/plans/{id}/evaluations', target: activePlanWorld, who: byLetter('L'), serial: true,
      call: (c) => c.post(`/plans/${c.target.id}/evaluations`, {
        evaluatedOn: tokyoDate(), goalResults: (c.target.goalIds as string[]).map((goalId) => ({ goalId, result: 'partly_achieved' })), summary: '少しずつ前進', decision: 'continue', nextReviewOn: tokyoDate(30),
      }),
    },
    { op: 'POST /api/v1/cases/{id}/outcomes', target: caseWorld, who: byLetter('I'), call: (c) => c.post(`/cases/${c.target.id}/outcomes`, { kind: 'isolation_reduced', occurredOn: tokyoDate(), note: '行列テスト' }) },
    { op: 'GET /api/v1/cases/{id}/outcomes', target: caseWorld, who: CASE_READ, call: (c) => c.get(`/cases/${c.target.id}/outcomes`) },

    // ── Community resources (社会資源), participation and unmet needs ─────────────────────
    {
      op: 'POST /api/v1/resources', target: null, who: { staff: { desk_staff: no, csw: yes, coordinator: yes, agency_staff: no }, supervisor: yes, volunteer: no, admin: no, auditor: no },
      call: (c) => c.post('/resources', { name: `行列テストの居場所 ${++made}`, kind: 'place_to_belong' }),
      check: (body, c) => expect(body.keeperAgencyId).toBe(c.caller.agencyId),
    },
    { op: 'GET /api/v1/resources', target: resourceWorld, who: DIRECTORY, query: { ids: items }, call: (c) => c.get(`/resources?q=${encodeURIComponent(c.target.name!)}&limit=200`) },
    { op: 'GET /api/v1/resources/{id}', target: resourceWorld, who: DIRECTORY, call: (c) => c.get(`/resources/${c.target.id}`) },
    {
      op: 'PATCH /api/v1/resources/{id}', target: resourceWorld, who: byLetter('K'), serial: true,
      call: async (c) => c.patch(`/resources/${c.target.id}`, { schedule: '毎週水曜 10:00-12:00' }, { 'If-Match': await etagOf(c, 'resources', 'version', c.target.id) }),
    },
    { op: 'POST /api/v1/resources/{id}/verify', target: resourceWorld, who: byLetter('K'), call: (c) => c.post(`/resources/${c.target.id}/verify`, { note: '電話で確認' }) },
    {
      op: 'GET /api/v1/public/resources', target: null, who: EVERYONE, public: true,
      call: (c) => c.anonymous('get', `${api}/public/resources?municipality=${c.p.home.code}&limit=200`),
      // Directory fields only: never an internal note.
      check: (body) => expect(JSON.stringify(body)).not.toContain(INTERNAL_NOTE),
    },
    {
      op: 'POST /api/v1/cases/{id}/participations', target: caseWorld, who: byLetter('I'), serial: true,
      call: async (c) => c.post(`/cases/${c.target.id}/participations`, { resourceId: (await shared(resourceWorld, false)).id, status: 'proposed' }),
      // One open participation per person and resource: end it again.
      undo: async (c, body) => expect((await c.post(`/participations/${body.id}/end`, { endedOn: tokyoDate(), reason: 'other' })).status).toBe(200),
    },
    { op: 'GET /api/v1/cases/{id}/participations', target: caseWorld, who: CASE_READ, call: (c) => c.get(`/cases/${c.target.id}/participations`) },
    { op: 'POST /api/v1/participations/{id}/start', target: proposed, who: byLetter('I'), spends: true, call: (c) => c.post(`/participations/${c.target.id}/start`, { startedOn: tokyoDate() }) },
    { op: 'POST /api/v1/participations/{id}/check', target: started, who: byLetter('I'), call: (c) => c.post(`/participations/${c.target.id}/check`, { checkedOn: tokyoDate(), attending: true }) },
    { op: 'POST /api/v1/participations/{id}/end', target: started, who: byLetter('I'), spends: true, call: (c) => c.post(`/participations/${c.target.id}/end`, { endedOn: tokyoDate(), reason: 'goal_met' }) },
    { op: 'POST /api/v1/cases/{id}/unmet-needs', target: caseWorld, who: byLetter('I'), call: (c) => c.post(`/cases/${c.target.id}/unmet-needs`, { concern: 'isolation', description: '近くに居場所がない' }) },
    {
      op: 'GET /api/v1/unmet-needs/summary', target: null, who: { staff: { desk_staff: no, csw: no, coordinator: yes, agency_staff: no }, supervisor: yes, volunteer: no, admin: no, auditor: no },
      call: (c) => c.get('/unmet-needs/summary'),
    },

    // ── Supervision, reporting and audit ─────────────────────────────────────────────────
    {
      op: 'GET /api/v1/handoffs', target: referralWorld, who: SUPERVISOR_ONLY, query: { ids: (body) => body.items.map((i: { referralId: string }) => i.referralId) },
      call: (c) => c.get(`/handoffs?status=pending&fromAgencyId=${c.p.home.agencies.referring}&toAgencyId=${c.p.home.agencies.receiving}&limit=200`),
    },
    { op: 'GET /api/v1/handoffs/summary', target: null, who: SUPERVISOR_ONLY, call: (c) => c.get('/handoffs/summary') },
    { op: 'GET /api/v1/reports/indicators', target: null, who: SUPERVISOR_ONLY, call: (c) => c.get('/reports/indicators?fiscalYear=2026') },
    { op: 'GET /api/v1/audit', target: null, who: { staff: no, supervisor: yes, volunteer: no, admin: no, auditor: yes }, call: (c) => c.get('/audit?limit=20') },
    { op: 'GET /api/v1/audit/verify', target: null, who: { staff: no, supervisor: no, volunteer: no, admin: no, auditor: yes }, call: (c) => c.get('/audit/verify') },

    // ── Health (no token) ────────────────────────────────────────────────────────────────
    { op: 'GET /health/live', target: null, who: EVERYONE, public: true, call: (c) => c.anonymous('get', '/health/live') },
    { op: 'GET /health/ready', target: null, who: EVERYONE, public: true, call: (c) => c.anonymous('get', '/health/ready') },
  ];
}
