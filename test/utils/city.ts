import { bearer, createTenant, login, PASSWORD, Tenant, TestApp } from './app';

export interface City extends Tenant {
  agencies: Record<'desk' | 'houkatsu' | 'houkatsu2' | 'csw' | 'minsei', string>;
  tokens: Record<'desk' | 'desk2' | 'houkatsu' | 'houkatsu2' | 'csw' | 'supervisor' | 'houkatsuSuper' | 'volunteer' | 'auditor' | 'admin', string>;
  users: Record<string, string>;
}

/**
 * A small city built over HTTP as an administrator would: a desk, two community support
 * centres, the CSW team and the volunteers' council, and one user per role.
 */
export async function buildCity(t: TestApp): Promise<City> {
  const tenant = await createTenant(t);
  const admin = bearer(tenant.adminToken);
  const agency = async (code: string, name: string, kind: string) => {
    const res = await t.http().post('/api/v1/agencies').set(admin).send({ code, name, kind });
    if (res.status !== 201) throw new Error(`agency ${code}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const agencies = {
    desk: await agency('desk', '福祉の相談窓口', 'consultation_desk'),
    houkatsu: await agency('houkatsu-kita', '北部地域包括支援センター', 'community_support_centre'),
    houkatsu2: await agency('houkatsu-minami', '南部地域包括支援センター', 'community_support_centre'),
    csw: await agency('csw', '社会福祉協議会 CSW', 'social_welfare_council'),
    minsei: await agency('minsei', '民生委員協議会', 'volunteer_council'),
  };
  const users: Record<string, string> = {};
  const user = async (username: string, agencyId: string | undefined, roles: string[]) => {
    const res = await t.http().post('/api/v1/users').set(admin).send({ username, displayName: username, agencyId, roles, password: PASSWORD });
    if (res.status !== 201) throw new Error(`user ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    users[username] = res.body.id;
    return login(t, tenant.code, username);
  };
  const tokens = {
    desk: await user('desk', agencies.desk, ['desk_staff']),
    desk2: await user('desk2', agencies.desk, ['desk_staff']),
    houkatsu: await user('houkatsu', agencies.houkatsu, ['agency_staff']),
    houkatsu2: await user('houkatsu2', agencies.houkatsu2, ['agency_staff']),
    csw: await user('csw', agencies.csw, ['csw']),
    supervisor: await user('super', agencies.desk, ['supervisor']),
    houkatsuSuper: await user('houkatsu-super', agencies.houkatsu, ['supervisor']),
    volunteer: await user('minsei', agencies.minsei, ['volunteer']),
    auditor: await user('auditor', undefined, ['auditor']),
    admin: tenant.adminToken,
  };
  await t.http().patch('/api/v1/municipality/settings').set(admin).send({ intakeAgencyId: agencies.desk }).expect(200);
  return { ...tenant, agencies, tokens, users };
}
