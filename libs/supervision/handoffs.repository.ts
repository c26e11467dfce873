import { Injectable } from '@nestjs/common';
import { VISIBLE_TO_AGENCY } from '@tsunagi/cases';
import { Db } from '@tsunagi/database';

export interface HandoffRow {
  referralId: string;
  caseId: string;
  caseNumber: string;
  kind: string;
  basis: string;
  status: 'pending' | 'accepted' | 'declined' | 'withdrawn';
  fromId: string;
  fromName: string;
  fromKind: string;
  toId: string;
  toName: string;
  toKind: string;
  createdAt: Date;
  answeredAt: Date | null;
  firstContactAt: Date | null;
  respondBy: Date;
  declineReason: string | null;
  nextId: string | null;
  nextName: string | null;
  nextKind: string | null;
  pendingRank: number;
}

@Injectable()
export class HandoffsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Referrals for the board, longest waiting first: pending ones by age, then answered ones
   * by age. A restricted case appears only to the agencies that may see it (rule 8).
   */
  async list(f: { agencyId: string | null; status?: string; overdue?: boolean; fromAgencyId?: string; toAgencyId?: string; from?: Date; to?: Date; limit: number; after?: { rank: number; createdAt: string; id: string } }): Promise<HandoffRow[]> {
    return this.db.query(
      `SELECT r.id AS "referralId", r.case_id AS "caseId", c.case_number AS "caseNumber", r.kind, r.basis, r.status,
              fa.id AS "fromId", fa.name AS "fromName", fa.kind AS "fromKind", ta.id AS "toId", ta.name AS "toName", ta.kind AS "toKind",
              r.created_at AS "createdAt", r.answered_at AS "answeredAt", r.first_contact_at AS "firstContactAt", r.respond_by AS "respondBy",
              r.decline_reason AS "declineReason", na.id AS "nextId", na.name AS "nextName", na.kind AS "nextKind",
              (CASE WHEN r.status = 'pending' THEN 1 ELSE 0 END) AS "pendingRank"
       FROM referrals r
       JOIN cases c ON c.municipality_id = r.municipality_id AND c.id = r.case_id
       JOIN agencies fa ON fa.municipality_id = r.municipality_id AND fa.id = r.from_agency_id
       JOIN agencies ta ON ta.municipality_id = r.municipality_id AND ta.id = r.to_agency_id
       LEFT JOIN LATERAL (
         SELECT n.to_agency_id FROM referrals n
         WHERE r.status IN ('declined', 'withdrawn') AND n.municipality_id = r.municipality_id AND n.case_id = r.case_id
           AND n.kind = r.kind AND n.created_at > r.created_at
         ORDER BY n.created_at LIMIT 1) nx ON true
       LEFT JOIN agencies na ON na.municipality_id = r.municipality_id AND na.id = nx.to_agency_id
       WHERE ${VISIBLE_TO_AGENCY}
         AND ($4::text IS NULL OR r.status = $4)
         AND (NOT $5::boolean OR (r.status = 'pending' AND r.respond_by < now()))
         AND ($6::uuid IS NULL OR r.from_agency_id = $6)
         AND ($7::uuid IS NULL OR r.to_agency_id = $7)
         AND ($8::timestamptz IS NULL OR r.created_at >= $8)
         AND ($9::timestamptz IS NULL OR r.created_at < $9)
         AND ($10::int IS NULL OR (CASE WHEN r.status = 'pending' THEN 1 ELSE 0 END) < $10
              OR ((CASE WHEN r.status = 'pending' THEN 1 ELSE 0 END) = $10 AND (r.created_at, r.id) > ($11::timestamptz, $12::uuid)))
       ORDER BY "pendingRank" DESC, r.created_at, r.id
       LIMIT $1`,
      [f.limit + 1, f.agencyId, true, f.status ?? null, !!f.overdue, f.fromAgencyId ?? null, f.toAgencyId ?? null, f.from ?? null, f.to ?? null, f.after?.rank ?? null, f.after?.createdAt ?? null, f.after?.id ?? null],
    );
  }
}
