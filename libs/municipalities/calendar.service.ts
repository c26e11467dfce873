import { Injectable } from '@nestjs/common';
import { BusinessCalendar } from '@tsunagi/calendar';
import { MunicipalitiesService } from './municipalities.service';
import { MunicipalitySettings } from './municipality-settings';

/**
 * The business calendar of the caller's municipality: national holidays, 12/29–1/3, and the
 * municipality's own closed and open days and hours. Built once per distinct settings.
 */
@Injectable()
export class CalendarService {
  private readonly cache = new Map<string, BusinessCalendar>();

  constructor(private readonly municipalities: MunicipalitiesService) {}

  async current(): Promise<{ calendar: BusinessCalendar; settings: MunicipalitySettings }> {
    const settings = await this.municipalities.settings();
    return { calendar: this.of(settings), settings };
  }

  of(settings: MunicipalitySettings): BusinessCalendar {
    const key = JSON.stringify([settings.extraHolidays, settings.extraOpenDays, settings.openingTime, settings.closingTime]);
    let calendar = this.cache.get(key);
    if (!calendar) {
      calendar = new BusinessCalendar({ extraHolidays: settings.extraHolidays, extraOpenDays: settings.extraOpenDays, openingTime: settings.openingTime, closingTime: settings.closingTime });
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(key, calendar);
    }
    return calendar;
  }
}
