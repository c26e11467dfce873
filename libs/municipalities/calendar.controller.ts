import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { isValidDateString } from '@tsunagi/calendar';
import { badRequest, DIRECTORY_ROLES, Roles } from '@tsunagi/common';
import { ApiProblems } from '@tsunagi/common/openapi';
import { CalendarService } from './calendar.service';

export class AddBusinessDaysQueryDto {
  @ApiProperty({ example: '2026-12-25', format: 'date' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be YYYY-MM-DD' })
  from: string;

  @ApiProperty({ example: 3, minimum: 0, maximum: 250 })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(250)
  days: number;
}

export class DateDto {
  @ApiProperty({ example: '2027-01-05', format: 'date' }) date: string;
}

@ApiTags('calendar')
@ApiBearerAuth()
@Controller('calendar')
export class CalendarController {
  constructor(private readonly calendars: CalendarService) {}

  @Get('add-business-days')
  @Roles(...DIRECTORY_ROLES)
  @ApiOperation({ summary: 'The Nth business day (開庁日) after a date, by the municipality calendar' })
  @ApiOkResponse({ type: DateDto })
  @ApiProblems(400, 401, 403)
  async addBusinessDays(@Query() query: AddBusinessDaysQueryDto): Promise<DateDto> {
    if (!isValidDateString(query.from)) throw badRequest('INVALID_DATE', 'from is not a date', 'from');
    const { calendar } = await this.calendars.current();
    return { date: calendar.addBusinessDays(query.from, query.days) };
  }
}
