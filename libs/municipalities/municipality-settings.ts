/** Per-municipality settings (CONTRACT.md `PATCH /municipality/settings`) with their defaults. */
export interface District {
  code: string;
  name: string;
}

export interface MunicipalitySettings {
  referralResponseBusinessDays: number;
  handoffCheckBusinessDays: number;
  rerouteBusinessDays: number;
  intakeAgencyId: string | null;
  openingTime: string;
  closingTime: string;
  extraHolidays: string[];
  extraOpenDays: string[];
  /** null: districts are free text */
  districts: District[] | null;
  retentionYears: number;
  planRequiresConference: boolean;
  planReviewMonths: number;
  participationCheckWeeks: number;
}

export const DEFAULT_SETTINGS: MunicipalitySettings = {
  referralResponseBusinessDays: 3,
  handoffCheckBusinessDays: 5,
  rerouteBusinessDays: 1,
  intakeAgencyId: null,
  openingTime: '08:30',
  closingTime: '17:15',
  extraHolidays: [],
  extraOpenDays: [],
  districts: null,
  retentionYears: 5,
  planRequiresConference: true,
  planReviewMonths: 3,
  participationCheckWeeks: 4,
};

export function withDefaults(stored: Partial<MunicipalitySettings> | null | undefined): MunicipalitySettings {
  return { ...DEFAULT_SETTINGS, ...(stored ?? {}) };
}
