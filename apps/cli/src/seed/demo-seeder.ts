import { Injectable } from '@nestjs/common';
import { AgenciesService } from '@tsunagi/agencies';
import { MunicipalitiesService } from '@tsunagi/municipalities';
import { ProvisioningService, UsersService } from '@tsunagi/staff';
import { DemoCases } from './demo-cases';
import { DemoResources } from './demo-resources';
import type { AgencyKind, Role } from '@tsunagi/vocabularies';

export const DEMO_CODE = 'demo';
export const DEMO_PASSWORD = 'tsunagi-demo-2026';

/** みどり市: agencies mirroring the source plans' networks (Tokorozawa, Konosu, Omitama). */
const AGENCIES: Array<{ code: string; name: string; kind: AgencyKind; area?: string }> = [
  { code: 'madoguchi', name: '福祉の相談窓口', kind: 'consultation_desk', area: '市全域' },
  { code: 'houkatsu-kita', name: '北部地域包括支援センター', kind: 'community_support_centre', area: 'kita' },
  { code: 'houkatsu-chuo', name: '中部地域包括支援センター', kind: 'community_support_centre', area: 'chuo' },
  { code: 'houkatsu-minami', name: '南部地域包括支援センター', kind: 'community_support_centre', area: 'minami' },
  { code: 'kikan-soudan', name: '基幹相談支援センター', kind: 'disability_support_centre', area: '市全域' },
  { code: 'kodomo', name: 'こども支援センター', kind: 'child_support_centre', area: '市全域' },
  { code: 'shakyo-csw', name: '社会福祉協議会 CSWチーム', kind: 'social_welfare_council', area: '市全域' },
  { code: 'seikatsu-coord-1', name: '生活支援コーディネーター（第1層）', kind: 'lifestyle_support', area: '市全域' },
  { code: 'seikatsu-coord-2-kita', name: '生活支援コーディネーター（第2層・北部）', kind: 'lifestyle_support', area: 'kita' },
  { code: 'jiritsu', name: '自立相談支援機関', kind: 'self_reliance_support', area: '市全域' },
  { code: 'koreisha-ka', name: '高齢者支援課', kind: 'city_department' },
  { code: 'shogai-ka', name: '障害福祉課', kind: 'city_department' },
  { code: 'seikatsu-ka', name: '生活福祉課', kind: 'city_department' },
  { code: 'minsei', name: '民生委員・児童委員協議会', kind: 'volunteer_council', area: '市全域' },
];

/** One user per role (and a supervisor per hand-off side), all with the demo password. */
export const DEMO_USERS: Array<{ username: string; displayName: string; agency: string | null; roles: Role[]; what: string }> = [
  { username: 'admin', displayName: 'システム管理者', agency: null, roles: ['admin'], what: 'administrator (no case content)' },
  { username: 'desk', displayName: '相談 花子（福祉の相談窓口）', agency: 'madoguchi', roles: ['desk_staff'], what: 'consultation desk staff' },
  { username: 'desk-super', displayName: '係長 一郎（福祉の相談窓口）', agency: 'madoguchi', roles: ['supervisor'], what: 'supervisor at the desk' },
  { username: 'csw', displayName: '地域 太郎（社協CSW）', agency: 'shakyo-csw', roles: ['csw'], what: 'community social worker' },
  { username: 'coordinator', displayName: '生活 さくら（第1層コーディネーター）', agency: 'seikatsu-coord-1', roles: ['coordinator'], what: 'lifestyle-support coordinator' },
  { username: 'houkatsu', displayName: '包括 次郎（北部包括）', agency: 'houkatsu-kita', roles: ['agency_staff'], what: 'community support centre staff' },
  { username: 'houkatsu-super', displayName: 'センター長 京子（北部包括）', agency: 'houkatsu-kita', roles: ['supervisor'], what: 'supervisor at a centre' },
  { username: 'auditor', displayName: '監査 誠', agency: null, roles: ['auditor'], what: 'auditor (audit metadata only)' },
  { username: 'minsei', displayName: '民生 委員', agency: 'minsei', roles: ['volunteer'], what: 'welfare volunteer (write-only)' },
];

@Injectable()
export class DemoSeeder {
  constructor(
    private readonly provisioning: ProvisioningService,
    private readonly municipalities: MunicipalitiesService,
    private readonly agencies: AgenciesService,
    private readonly users: UsersService,
    private readonly demoCases: DemoCases,
    private readonly demoResources: DemoResources,
  ) {}

  /** Creates みどり市 once; later runs find it and change nothing. */
  async seed(): Promise<{ created: boolean }> {
    if (await this.municipalities.findByCode(DEMO_CODE)) return { created: false };
    const { municipality } = await this.provisioning.createMunicipality({ code: DEMO_CODE, name: 'みどり市', adminUsername: 'admin', adminPassword: DEMO_PASSWORD });
    await this.provisioning.asMunicipality(municipality.id, async () => {
      const ids = new Map<string, string>();
      for (const agency of AGENCIES) ids.set(agency.code, (await this.agencies.create(agency)).id);
      const users = new Map<string, { id: string; agencyId: string | null; roles: Role[] }>();
      for (const user of DEMO_USERS.filter((u) => u.username !== 'admin')) {
        const created = await this.users.create({ username: user.username, displayName: user.displayName, agencyId: user.agency ? ids.get(user.agency) : undefined, roles: user.roles, password: DEMO_PASSWORD });
        users.set(user.username, { id: created.id, agencyId: created.agencyId, roles: created.roles });
      }
      await this.municipalities.updateSettings({
        intakeAgencyId: ids.get('madoguchi'),
        districts: [
          { code: 'kita', name: '北部圏域' },
          { code: 'chuo', name: '中部圏域' },
          { code: 'minami', name: '南部圏域' },
        ],
      });
      await this.demoCases.seed(municipality.id, users, ids);
      await this.demoResources.seed(municipality.id, users);
    });
    return { created: true };
  }
}
