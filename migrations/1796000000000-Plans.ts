import { MigrationInterface, QueryRunner } from 'typeorm';
import { EVALUATION_DECISIONS, GOAL_RESULTS, GOAL_TERMS, OUTCOME_KINDS, PLAN_STATUSES } from '../libs/vocabularies/vocabularies';
import { APP_ROLE, tenantPolicy } from './sql';

const list = (codes: readonly string[]) => codes.map((c) => `'${c}'`).join(', ');

/**
 * Support plans (支援プラン), their evaluations (評価) and outcomes (rule 10).
 *
 * A plan is a versioned record: version 1, 2, … per case. Only a draft is ever updated in
 * place; once active it is frozen, and re-planning makes the next version. Goals and actions
 * are rows of their own so an evaluation can name each goal it judges and an action's agency
 * is a real foreign key (a plan cannot name another municipality's agency). At most one
 * draft and one active plan per case, enforced here rather than hoped for in code.
 */
export class Plans1796000000000 implements MigrationInterface {
  name = 'Plans1796000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE plans (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        case_id uuid NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        revision integer NOT NULL DEFAULT 1,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN (${list(PLAN_STATUSES)})),
        person_wishes text NOT NULL,
        review_on date,
        employment_support boolean NOT NULL DEFAULT false,
        previous_plan_id uuid,
        person_agreed_on date,
        conference_id uuid,
        activated_on date,
        activated_at timestamptz,
        activated_by_id uuid,
        closed_at timestamptz,
        superseded_by_id uuid,
        created_by_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        UNIQUE (municipality_id, case_id, version),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id),
        FOREIGN KEY (municipality_id, previous_plan_id) REFERENCES plans (municipality_id, id),
        FOREIGN KEY (municipality_id, superseded_by_id) REFERENCES plans (municipality_id, id),
        FOREIGN KEY (municipality_id, conference_id) REFERENCES conferences (municipality_id, id),
        FOREIGN KEY (municipality_id, created_by_id) REFERENCES users (municipality_id, id),
        FOREIGN KEY (municipality_id, activated_by_id) REFERENCES users (municipality_id, id),
        CHECK (status = 'draft' OR (activated_on IS NOT NULL AND person_agreed_on IS NOT NULL AND review_on IS NOT NULL))
      );
      CREATE UNIQUE INDEX plans_one_draft ON plans (municipality_id, case_id) WHERE status = 'draft';
      CREATE UNIQUE INDEX plans_one_active ON plans (municipality_id, case_id) WHERE status = 'active';
      -- the indicators: plans activated in a fiscal year
      CREATE INDEX plans_activated ON plans (municipality_id, activated_on) WHERE activated_on IS NOT NULL;
      ${tenantPolicy('plans')}
      GRANT SELECT, INSERT, UPDATE ON plans TO ${APP_ROLE};

      CREATE TABLE plan_goals (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        plan_id uuid NOT NULL,
        position smallint NOT NULL,
        term text NOT NULL CHECK (term IN (${list(GOAL_TERMS)})),
        text text NOT NULL,
        PRIMARY KEY (municipality_id, id),
        UNIQUE (municipality_id, plan_id, position),
        FOREIGN KEY (municipality_id, plan_id) REFERENCES plans (municipality_id, id)
      );
      ${tenantPolicy('plan_goals')}
      -- DELETE: a draft's goals and actions are replaced when the draft is edited
      GRANT SELECT, INSERT, DELETE ON plan_goals TO ${APP_ROLE};

      CREATE TABLE plan_actions (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        plan_id uuid NOT NULL,
        position smallint NOT NULL,
        title text NOT NULL,
        agency_id uuid NOT NULL,
        assignee_user_id uuid,
        frequency text,
        start_on date,
        due_on date NOT NULL,
        task_id uuid,
        PRIMARY KEY (municipality_id, id),
        UNIQUE (municipality_id, plan_id, position),
        FOREIGN KEY (municipality_id, plan_id) REFERENCES plans (municipality_id, id),
        FOREIGN KEY (municipality_id, agency_id) REFERENCES agencies (municipality_id, id),
        FOREIGN KEY (municipality_id, assignee_user_id) REFERENCES users (municipality_id, id),
        FOREIGN KEY (municipality_id, task_id) REFERENCES tasks (municipality_id, id),
        CHECK (start_on IS NULL OR start_on <= due_on)
      );
      ${tenantPolicy('plan_actions')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON plan_actions TO ${APP_ROLE};

      CREATE TABLE plan_evaluations (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        plan_id uuid NOT NULL,
        case_id uuid NOT NULL,
        evaluated_on date NOT NULL,
        summary text NOT NULL,
        decision text NOT NULL CHECK (decision IN (${list(EVALUATION_DECISIONS)})),
        next_review_on date,
        next_plan_id uuid,
        conference_id uuid,
        created_by_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, plan_id) REFERENCES plans (municipality_id, id),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id),
        FOREIGN KEY (municipality_id, next_plan_id) REFERENCES plans (municipality_id, id),
        FOREIGN KEY (municipality_id, conference_id) REFERENCES conferences (municipality_id, id),
        FOREIGN KEY (municipality_id, created_by_id) REFERENCES users (municipality_id, id)
      );
      CREATE INDEX plan_evaluations_plan ON plan_evaluations (municipality_id, plan_id, created_at);
      CREATE INDEX plan_evaluations_created ON plan_evaluations (municipality_id, created_at);
      ${tenantPolicy('plan_evaluations')}
      GRANT SELECT, INSERT ON plan_evaluations TO ${APP_ROLE};

      CREATE TABLE plan_goal_results (
        municipality_id uuid NOT NULL,
        evaluation_id uuid NOT NULL,
        goal_id uuid NOT NULL,
        result text NOT NULL CHECK (result IN (${list(GOAL_RESULTS)})),
        note text,
        PRIMARY KEY (municipality_id, evaluation_id, goal_id),
        FOREIGN KEY (municipality_id, evaluation_id) REFERENCES plan_evaluations (municipality_id, id),
        FOREIGN KEY (municipality_id, goal_id) REFERENCES plan_goals (municipality_id, id)
      );
      ${tenantPolicy('plan_goal_results')}
      GRANT SELECT, INSERT ON plan_goal_results TO ${APP_ROLE};

      -- What changed for the person (the national evaluation items).
      CREATE TABLE outcomes (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        case_id uuid NOT NULL,
        member_id uuid,
        kind text NOT NULL CHECK (kind IN (${list(OUTCOME_KINDS)})),
        occurred_on date NOT NULL,
        note text,
        -- what recorded it when a rule did (a participation that started)
        source_type text,
        source_id uuid,
        created_by_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id),
        FOREIGN KEY (municipality_id, member_id) REFERENCES household_members (municipality_id, id),
        FOREIGN KEY (municipality_id, created_by_id) REFERENCES users (municipality_id, id)
      );
      CREATE INDEX outcomes_case ON outcomes (municipality_id, case_id, occurred_on);
      CREATE INDEX outcomes_occurred ON outcomes (municipality_id, occurred_on, kind);
      ${tenantPolicy('outcomes')}
      GRANT SELECT, INSERT ON outcomes TO ${APP_ROLE};

      -- Tasks of a plan (its actions and its review) are found by their source.
      CREATE UNIQUE INDEX tasks_one_open_plan_review ON tasks (municipality_id, source_id) WHERE kind = 'plan_review' AND status = 'open';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS tasks_one_open_plan_review;
      DROP TABLE IF EXISTS outcomes, plan_goal_results, plan_evaluations, plan_actions, plan_goals, plans;
    `);
  }
}
