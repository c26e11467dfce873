import { bearer, startTestApp, TestApp } from '../utils/app';
import { buildPopulation, Caller, connections, pool, Population, send, World, WorldKind } from '../utils/matrix/fixtures';
import { agencylessStanding, expected, Expected, Relation, ROLES, Role, ruleOf, STANDING } from '../utils/matrix/rules';
import { checkResponse, declaresStatus, OpenApiDoc } from '../utils/matrix/schema';
import { Answer, answer, Cell, matrixTable, Row } from '../utils/matrix/table';

const api = '/api/v1';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Calls in flight at once in each of the two lanes of rows (reads, writes). */
const PARALLEL = 8;

interface Outcome {
  /** A cell (role × relation), the call without a token, or the fingerprint of a target after the denied calls. */
  kind: 'cell' | 'anonymous' | 'unchanged';
  name: string;
  problem: string | null;
  leak: boolean;
}

/** What one cell is to get: the role and relation it stands for, and the answer the table says. */
interface Planned {
  role: Role;
  relation: Relation;
  letters: string;
  home: boolean;
  restricted: boolean;
  want: Expected;
}

/**
 * CONTRACT.md "Who may do what", proven cell by cell: every operation of the OpenAPI document ×
 * every role × every relation of the caller's agency to the target (lead, involved, receiving,
 * referring, keeper, unrelated, another municipality, a restricted case …). Not seeing is 404,
 * seeing but not being allowed is 403, roles that never read cases get 403 whatever the id,
 * and an allowed call gets past access control with a 2xx its operation documents. A denied
 * call changes nothing; a list never names what the caller cannot see.
 */
describe('access matrix: who may do what, for every operation × role × relation', () => {
  let t: TestApp;
  let doc: OpenApiDoc;
  let p: Population;
  let rows: Row[];
  let operations: string[];
  const worlds = new Map<WorldKind, Map<boolean, Promise<World>>>();

  /** The shared target of a kind, built once per variant (ordinary or restricted). */
  const shared = (kind: WorldKind, restricted: boolean): Promise<World> => {
    const variants = worlds.get(kind) ?? new Map<boolean, Promise<World>>();
    worlds.set(kind, variants);
    if (!variants.has(restricted)) variants.set(restricted, kind.build(p, restricted));
    return variants.get(restricted)!;
  };

  beforeAll(async () => {
    // A database connection for every call in flight (and fixtures built beside them), so that none waits for one.
    t = await startTestApp({ DATABASE_POOL_SIZE: String(2 * PARALLEL + 6) });
    await t.app.listen(0, '127.0.0.1');
    doc = (await t.http().get('/api/docs-json')).body;
    operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`));
    p = await buildPopulation(t);
    rows = matrixTable(shared);
  }, 60_000);
  afterAll(async () => {
    connections.destroy();
    await t?.close();
  });

  it('has exactly one row for every operation of the OpenAPI document, public exactly where the document says so', () => {
    const classified = rows.map((r) => r.op);
    expect(operations.length).toBeGreaterThan(60);
    expect(classified.filter((op, i) => classified.indexOf(op) !== i)).toEqual([]);
    // A new route cannot ship without its row, and a row cannot outlive its route.
    expect(operations.filter((op) => !classified.includes(op))).toEqual([]);
    expect(classified.filter((op) => !operations.includes(op))).toEqual([]);
    const publicInDoc = operations.filter((op) => {
      const [method, path] = op.split(' ');
      const security = doc.paths[path][method.toLowerCase()].security;
      return Array.isArray(security) && security.length === 0;
    });
    expect(rows.filter((r) => r.public).map((r) => r.op).sort()).toEqual(publicInDoc.sort());
  });

  it('answers every cell as the table says: 404 unseen, 403 seen but not allowed, 2xx past access control, 0 leaks', async () => {
    const started = Date.now();
    // Two lanes, one row at a time in each: reads never move a target, so they run beside the writes.
    const lanes = [rows.filter((r) => r.op.startsWith('GET ')), rows.filter((r) => !r.op.startsWith('GET '))];
    const outcomes = (
      await Promise.all(
        lanes.map(async (lane) => {
          const results: Outcome[] = [];
          for (const row of lane) results.push(...(await runRow(row)));
          return results;
        }),
      )
    ).flat();
    const cells = outcomes.filter((o) => o.kind === 'cell');
    const failures = outcomes.filter((o) => o.problem);
    const leaks = outcomes.filter((o) => o.leak);
    // DOMAIN.md rule 8 in particular: a supervisor of another agency finds a restricted case nowhere.
    const restrictedFromOtherSupervisors = cells.filter((o) => o.name.endsWith(' as supervisor (restricted)'));
    console.log(
      `access matrix: ${cells.length} cells checked (${rows.length} operations × ${ROLES.length} roles × the relations of each), ` +
        `${outcomes.filter((o) => o.kind === 'anonymous').length} calls without a token, ` +
        `${outcomes.filter((o) => o.kind === 'unchanged').length} targets unchanged by denied calls, ` +
        `${restrictedFromOtherSupervisors.length} cells of another agency's supervisor on a restricted case; ` +
        `${leaks.length} leaks, ${failures.length} failures (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    expect(failures.map((f) => `${f.name}: ${f.problem}`)).toEqual([]);
    expect(leaks).toEqual([]);
    expect(cells.length).toBeGreaterThan(2000);
    expect(restrictedFromOtherSupervisors.length).toBeGreaterThan(30);
  }, 300_000);

  /** One row: every role × relation of its target, then one call without a token. */
  async function runRow(row: Row): Promise<Outcome[]> {
    const kind = row.target;
    const relations = (kind ? Object.keys(kind.relations) : ['none']) as Relation[];
    const lettersOf = (relation: Relation) => kind?.relations[relation] ?? '';
    const planned: Planned[] = relations.flatMap((relation) => {
      const { restricted, home } = STANDING[relation];
      return ROLES.flatMap((role) => {
        const { letters, duplicate } = agencylessStanding(role, relation, lettersOf(relation), relations, lettersOf);
        if (duplicate) return [];
        const visible = kind ? kind.sees(role, letters, restricted, home) : true;
        const query = row.query ? { listed: row.query.listed ? row.query.listed(letters, visible) : visible } : null;
        return [{ role, relation, letters, home, restricted, want: expected(row.public ? 'yes' : ruleOf(row.who, role), letters, visible, query) }];
      });
    });
    const denied = planned.filter((c) => c.want.kind === 'denied');
    const allowed = planned.filter((c) => c.want.kind === 'allowed');
    const outcomes: Outcome[] = [];

    // Denied calls share the target; where they could write, its fingerprint must not move.
    const guarded = kind && !row.op.startsWith('GET ') ? [...new Set(denied.map((c) => c.restricted))] : [];
    const fingerprints = () => pool(guarded, 1, async (restricted) => kind!.state(p, await shared(kind!, restricted)));
    const before = await fingerprints();
    outcomes.push(...(await pool(denied, PARALLEL, async (c) => judge(row, c, await callOn(row, c, await sharedFor(row, c))))));
    const after = await fingerprints();
    guarded.forEach((restricted, i) => {
      const changed = before[i] !== after[i];
      outcomes.push({ kind: 'unchanged', name: `${row.op}: the ${restricted ? 'restricted' : 'ordinary'} target after the denied calls`, problem: changed ? 'a denied call changed it' : null, leak: changed });
    });

    // Allowed calls: a fresh target each where a call spends it, one at a time where they build on each other.
    const renewal = row.spends === true ? null : row.spends;
    if (row.spends === true && kind) {
      const fresh = await pool(allowed, PARALLEL / 2, (c) => kind.build(p, c.restricted, { relation: c.relation, role: c.role }));
      outcomes.push(...(await pool(allowed, PARALLEL, async (c, i) => judge(row, c, await callOn(row, c, fresh[i])))));
    } else if (renewal) {
      const variants = [false, true].map((restricted) => allowed.filter((c) => c.restricted === restricted)).filter((cells) => cells.length);
      const judged = await Promise.all(
        variants.map(async (cells) => {
          const base = await renewal.base.build(p, cells[0].restricted);
          const results: Outcome[] = [];
          for (const [i, c] of cells.entries()) results.push(judge(row, c, await callOn(row, c, await renewal.next(p, base, i === 0))));
          return results;
        }),
      );
      outcomes.push(...judged.flat());
    } else {
      outcomes.push(...(await pool(allowed, row.serial ? 1 : PARALLEL, async (c) => judge(row, c, await callOn(row, c, await sharedFor(row, c))))));
    }

    // Without a token every route but the public ones is 401.
    if (!row.public) {
      const anonymous: Planned = { role: 'desk_staff', relation: relations[0], letters: '', home: true, restricted: false, want: { kind: 'denied', status: 403 } };
      const world = kind ? await shared(kind, false) : { id: '', restricted: false };
      const ans = await row.call(cellOf(anonymous, world, { ...p.caller('desk_staff', 'lead'), token: '' }));
      outcomes.push({ kind: 'anonymous', name: `${row.op} without a token`, problem: ans.status === 401 ? null : `expected 401, got ${ans.status}`, leak: ans.status < 400 });
    }
    return outcomes;
  }

  function sharedFor(row: Row, c: Planned): Promise<World> {
    return row.target ? shared(row.target, c.restricted) : Promise.resolve({ id: '', restricted: false });
  }

  interface Called {
    answer: Answer;
    cell: Cell;
    /** Putting a shared target back failed. */
    undoFailed?: string;
  }

  async function callOn(row: Row, c: Planned, world: World): Promise<Called> {
    const caller = world.caller ?? p.caller(c.role, STANDING[c.relation].agency);
    const cell = cellOf(c, row.target?.targetFor?.(world, c.relation, caller) ?? world, caller);
    const ans = await row.call(cell);
    if (c.want.kind === 'allowed' && ans.status >= 200 && ans.status < 300 && row.undo) {
      const undone = await row.undo(cell, ans.body).then(
        () => undefined,
        (error: Error) => error.message.split('\n').slice(0, 4).join(' '),
      );
      return { answer: ans, cell, undoFailed: undone };
    }
    return { answer: ans, cell };
  }

  function cellOf(c: Planned, target: World, caller: Caller): Cell {
    const auth = (req: ReturnType<typeof send>) => (caller.token ? req.set(bearer(caller.token)) : req);
    return {
      p, t, role: c.role, relation: c.relation, letters: c.letters, home: c.home, caller, target,
      get: async (path) => answer(await auth(send(t, 'get', `${api}${path}`))),
      post: async (path, body) => answer(await auth(send(t, 'post', `${api}${path}`)).send(body ?? {})),
      patch: async (path, body, headers = {}) => answer(await auth(send(t, 'patch', `${api}${path}`)).set(headers).send(body)),
      anonymous: async (method, path, body) => answer(await (method === 'get' ? send(t, 'get', path) : send(t, 'post', path).send(body ?? {}))),
    };
  }

  function judge(row: Row, c: Planned, { answer: ans, cell, undoFailed }: Called): Outcome {
    const name = `${row.op} as ${c.role} (${c.relation})`;
    const fail = (problem: string, leak = false): Outcome => ({ kind: 'cell', name, problem, leak });
    const shown = (body: unknown) => JSON.stringify(body)?.slice(0, 240);
    if (c.want.kind === 'denied') {
      const status = c.want.status;
      // Let through where it must not be, or a 403 that tells the caller the object exists.
      if (ans.status !== status) return fail(`expected ${status}, got ${ans.status} ${shown(ans.body)}`, ans.status < 400 || (status === 404 && ans.status === 403));
      if (!String(ans.type).startsWith('application/problem+json') || ans.body?.status !== status) return fail(`expected a problem+json ${status}, got ${ans.type} ${shown(ans.body)}`);
      if (!declaresStatus(doc, row.op, status)) return fail(`answers ${status}, which the OpenAPI document does not declare`);
      return { kind: 'cell', name, problem: null, leak: false };
    }
    if (ans.status < 200 || ans.status >= 300) return fail(`expected to get past access control, got ${ans.status} ${shown(ans.body)}`);
    const invalid = checkResponse(doc, row.op, ans.status, ans.type, ans.body);
    if (invalid.length) return fail(`the answer does not match the OpenAPI document: ${invalid.slice(0, 3).join('; ')}`);
    if (row.query?.ids) {
      if (ans.body.nextCursor) return fail('the list did not fit in one page: narrow the query so that the target is judged');
      const listed = row.query.ids(ans.body).includes(cell.target.id);
      if (listed !== c.want.listed) return fail(listed ? 'the list names a target the caller cannot see' : 'the target is missing from the list', listed);
    }
    try {
      row.check?.(ans.body, cell);
    } catch (error) {
      return fail(`the answer: ${(error as Error).message.split('\n').slice(0, 6).join(' ')}`);
    }
    if (undoFailed) return fail(`putting the shared target back failed: ${undoFailed}`);
    return { kind: 'cell', name, problem: null, leak: false };
  }
});
