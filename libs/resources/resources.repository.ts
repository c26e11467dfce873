import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';
import type { AgeGroup, Concern, ResourceKind } from '@tsunagi/vocabularies';

export interface ResourceRow {
  id: string;
  name: string;
  nameKana: string | null;
  kind: ResourceKind;
  district: string | null;
  address: string | null;
  description: string | null;
  contact: string | null;
  schedule: string | null;
  targets: Concern[];
  ageGroups: AgeGroup[];
  capacity: number | null;
  accepting: boolean;
  public: boolean;
  internalNote: string | null;
  verifiedOn: string;
  keeperAgencyId: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  sortKey: string;
}

export interface NewResource {
  id: string;
  name: string;
  nameKana: string | null;
  kind: string;
  district: string | null;
  address: string | null;
  description: string | null;
  contact: string | null;
  schedule: string | null;
  targets: string[];
  ageGroups: string[];
  capacity: number | null;
  accepting: boolean;
  public: boolean;
  internalNote: string | null;
  verifiedOn: string;
  keeperAgencyId: string;
  createdById: string;
  searchText: string;
  searchGrams: string[];
  sortKey: string;
}

/** The directory filters (GET /resources, the public directory, the benchmark). */
export interface ResourceSearch {
  /** grams of the normalised text query (`queryGrams`) and its LIKE pattern (`likePattern`) */
  grams?: string[];
  like?: string;
  kind?: string;
  district?: string;
  concern?: string;
  accepting?: boolean;
  public?: boolean;
  /** true: only stale ones, false: only fresh ones (verified on or after `staleBefore`) */
  stale?: boolean;
  staleBefore: string;
  limit: number;
  /** the last row of the previous page: its sort key (reading order) or, for a text search, null (newest first, by id) */
  after?: { sortKey: string | null; id: string };
}

const COLUMNS = `r.id, r.name, r.name_kana AS "nameKana", r.kind, r.district, r.address, r.description, r.contact, r.schedule, r.targets,
  r.age_groups AS "ageGroups", r.capacity, r.accepting, r.is_public AS "public", r.internal_note AS "internalNote",
  to_char(r.verified_on, 'YYYY-MM-DD') AS "verifiedOn", r.keeper_agency_id AS "keeperAgencyId", r.version,
  r.created_at AS "createdAt", r.updated_at AS "updatedAt", r.sort_key AS "sortKey"`;

/** Columns a PATCH may set, by DTO field. */
export const UPDATABLE: Record<string, string> = {
  name: 'name',
  nameKana: 'name_kana',
  kind: 'kind',
  district: 'district',
  address: 'address',
  description: 'description',
  contact: 'contact',
  schedule: 'schedule',
  targets: 'targets',
  ageGroups: 'age_groups',
  capacity: 'capacity',
  accepting: 'accepting',
  public: 'is_public',
  internalNote: 'internal_note',
  keeperAgencyId: 'keeper_agency_id',
  searchText: 'search_text',
  searchGrams: 'search_grams',
  sortKey: 'sort_key',
};

@Injectable()
export class ResourcesRepository {
  constructor(private readonly db: Db) {}

  async insert(r: NewResource): Promise<void> {
    await this.db.query(
      `INSERT INTO resources (municipality_id, id, name, name_kana, kind, district, address, description, contact, schedule, targets, age_groups,
         capacity, accepting, is_public, internal_note, verified_on, keeper_agency_id, created_by_id, search_text, search_grams, sort_key)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::date, $17, $18, $19, $20, $21)`,
      [r.id, r.name, r.nameKana, r.kind, r.district, r.address, r.description, r.contact, r.schedule, r.targets, r.ageGroups, r.capacity, r.accepting,
        r.public, r.internalNote, r.verifiedOn, r.keeperAgencyId, r.createdById, r.searchText, r.searchGrams, r.sortKey],
    );
  }

  async findById(id: string, lock = false): Promise<ResourceRow | null> {
    const rows = await this.db.query<ResourceRow>(`SELECT ${COLUMNS} FROM resources r WHERE r.id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  /** The conditional update of optimistic locking: false when someone changed it in between. */
  async update(id: string, expectedVersion: number, set: Record<string, unknown>): Promise<boolean> {
    const fields = Object.keys(set);
    const assignments = fields.map((f, i) => `${UPDATABLE[f]} = $${i + 3}`);
    const { affected } = await this.db.execute(
      `UPDATE resources SET ${[...assignments, 'version = version + 1', 'updated_at = now()'].join(', ')} WHERE id = $1 AND version = $2`,
      [id, expectedVersion, ...fields.map((f) => set[f])],
    );
    return affected === 1;
  }

  async markVerified(id: string, verifiedOn: string): Promise<void> {
    await this.db.query(`UPDATE resources SET verified_on = $2::date, version = version + 1, updated_at = now() WHERE id = $1`, [id, verifiedOn]);
  }

  /**
   * One page of the directory: in reading order (sort_key, id), or newest first (id) for a
   * text search. The ids come from search_resource_ids, which can use the gram, target and
   * filter indexes that RLS would deny a plain query (see the migration); the rows are joined
   * back under RLS. The one statement every directory read goes through, so a benchmark can
   * drive it directly.
   */
  async search(s: ResourceSearch): Promise<ResourceRow[]> {
    const text = !!s.grams?.length;
    return this.db.query<ResourceRow>(
      `SELECT ${COLUMNS}
       FROM search_resource_ids($1::text[], $2::text, $3::text, $4::text, $5::text, $6::boolean, $7::boolean, $8::boolean, $9::date, $10::int, $11::text, $12::uuid) hit
       JOIN resources r ON r.municipality_id = current_setting('app.municipality_id')::uuid AND r.id = hit.id
       ORDER BY ${text ? 'r.id DESC' : 'r.sort_key, r.id'}`,
      [s.grams?.length ? s.grams : null, s.grams?.length ? (s.like ?? null) : null, s.kind ?? null, s.district ?? null, s.concern ?? null, s.accepting ?? null,
        s.public ?? null, s.stale ?? null, s.staleBefore, s.limit, s.after?.sortKey ?? null, s.after?.id ?? null],
    );
  }

  /** Cross-municipality by design (the worker's sweep): stale resources whose keeper has no open verification task. */
  async staleWithoutVerification(staleBefore: string, limit: number): Promise<Array<{ municipalityId: string; id: string }>> {
    return this.db.dataSource.query(`SELECT municipality_id AS "municipalityId", id FROM stale_resources_without_verification($1::date, $2)`, [staleBefore, limit]);
  }

  async agencyExists(agencyId: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM agencies WHERE id = $1`, [agencyId])).length > 0;
  }

  async openVerificationTask(resourceId: string): Promise<string | null> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM tasks WHERE source_id = $1 AND kind = 'resource_verification' AND status = 'open'`,
      [resourceId],
    );
    return rows[0]?.id ?? null;
  }
}
