/**
 * The vocabulary of CONTRACT.md "Who may do what", as data.
 *
 * A caller has a role and stands in a relation to the target through their agency. A relation
 * carries letters — what the caller's agency is to the target:
 *   V sees the case (rule 8)    L lead agency     I lead or involved agency
 *   R receiving agency          S referring agency
 *   K keeper of a resource      T the task's agency
 *   N recipient of a notification                E the caller's own account
 * (fixtures.ts gives each kind of target the letters of each relation.)
 * A rule says what a role may do: `no` (403 whatever the target), `yes` (allowed on whatever
 * it can see), `need('I')` (allowed with one of these letters, 403 on what it sees without
 * them), `only('E')` (allowed with the letter, 403 otherwise — the role may do it to nothing
 * else). What the caller cannot see is 404.
 */
export const ROLES = ['admin', 'desk_staff', 'csw', 'coordinator', 'agency_staff', 'supervisor', 'auditor', 'volunteer'] as const;
export type Role = (typeof ROLES)[number];
export const STAFF_ROLES = ['desk_staff', 'csw', 'coordinator', 'agency_staff'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
/** Roles that act for an agency (admin and auditor have none). */
export const AGENCY_ROLES = ['desk_staff', 'csw', 'coordinator', 'agency_staff', 'supervisor', 'volunteer'] as const;

export const RELATIONS = ['lead', 'involved', 'receiving', 'referring', 'keeper', 'unrelated', 'otherMunicipality', 'restricted', 'restrictedInvolved', 'self', 'none'] as const;
export type Relation = (typeof RELATIONS)[number];

/** The test agencies of the home municipality; `other` is an agency of a second municipality. */
export type AgencyKey = 'lead' | 'involved' | 'receiving' | 'referring' | 'keeper' | 'unrelated' | 'spare' | 'other';

/**
 * Which agency a caller of each relation belongs to, and which variant of the target it
 * faces: `restricted` callers stand outside a restricted case (DV, abuse, 支援措置);
 * `restrictedInvolved` callers are of an involved agency of one; `none` is for operations
 * without a target.
 */
export const STANDING: Record<Relation, { agency: AgencyKey; restricted: boolean; home: boolean }> = {
  lead: { agency: 'lead', restricted: false, home: true },
  involved: { agency: 'involved', restricted: false, home: true },
  receiving: { agency: 'receiving', restricted: false, home: true },
  referring: { agency: 'referring', restricted: false, home: true },
  keeper: { agency: 'keeper', restricted: false, home: true },
  unrelated: { agency: 'unrelated', restricted: false, home: true },
  otherMunicipality: { agency: 'other', restricted: false, home: false },
  restricted: { agency: 'unrelated', restricted: true, home: true },
  restrictedInvolved: { agency: 'involved', restricted: true, home: true },
  self: { agency: 'unrelated', restricted: false, home: true },
  none: { agency: 'lead', restricted: false, home: true },
};

/**
 * What an administrator or auditor is to a target: they have no agency, so of a relation's
 * letters only their own account (E) remains, and the relations that differ only by agency
 * are one and the same cell (the same caller before the same target): only the first of them
 * is tried.
 */
export function agencylessStanding(role: Role, relation: Relation, letters: string, relations: Relation[], lettersOf: (r: Relation) => string): { letters: string; duplicate: boolean } {
  if ((AGENCY_ROLES as readonly string[]).includes(role)) return { letters, duplicate: false };
  const key = (r: Relation) => `${STANDING[r].home}/${STANDING[r].restricted}/${lettersOf(r).replace(/[^E]/g, '')}`;
  const first = relations.find((r) => key(r) === key(relation));
  return { letters: letters.replace(/[^E]/g, ''), duplicate: first !== relation };
}

export type Rule = 'no' | 'yes' | { need: string } | { only: string };
export const no: Rule = 'no';
export const yes: Rule = 'yes';
export const need = (letters: string): Rule => ({ need: letters });
export const only = (letter: string): Rule => ({ only: letter });

/** One line of the contract table: staff roles (all alike, or each its own), supervisor, volunteer, admin, auditor. */
export interface Who {
  staff: Rule | Record<StaffRole, Rule>;
  supervisor: Rule;
  volunteer: Rule;
  admin: Rule;
  auditor: Rule;
}

export function ruleOf(who: Who, role: Role): Rule {
  if (role === 'supervisor' || role === 'volunteer' || role === 'admin' || role === 'auditor') return who[role];
  return typeof who.staff === 'string' || 'need' in who.staff || 'only' in who.staff ? (who.staff as Rule) : (who.staff as Record<StaffRole, Rule>)[role];
}

const hasAny = (letters: string, wanted: string) => [...wanted].some((l) => letters.includes(l));

export type Expected = { kind: 'allowed'; listed?: boolean } | { kind: 'denied'; status: 403 | 404 };

/**
 * The expected answer of one cell. `visible` is whether the caller can see the target at all;
 * for query operations (lists, searches) the call itself is allowed and `listed` says whether
 * the target may appear in the answer.
 */
export function expected(rule: Rule, letters: string, visible: boolean, query: { listed: boolean } | null): Expected {
  if (rule === 'no') return { kind: 'denied', status: 403 };
  if (typeof rule === 'object' && 'only' in rule) return hasAny(letters, rule.only) ? { kind: 'allowed', listed: query?.listed } : { kind: 'denied', status: 403 };
  if (query) return { kind: 'allowed', listed: query.listed };
  if (!visible) return { kind: 'denied', status: 404 };
  if (rule === 'yes' || hasAny(letters, rule.need)) return { kind: 'allowed' };
  return { kind: 'denied', status: 403 };
}
