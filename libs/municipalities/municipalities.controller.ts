import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DIRECTORY_ROLES, Roles } from '@tsunagi/common';
import { ApiProblems } from '@tsunagi/common/openapi';
import { SettingsDto, UpdateSettingsDto } from './dto/update-settings.dto';
import { MunicipalitiesService } from './municipalities.service';

@ApiTags('municipality')
@ApiBearerAuth()
@Controller('municipality')
export class MunicipalitiesController {
  constructor(private readonly service: MunicipalitiesService) {}

  @Get('settings')
  @Roles(...DIRECTORY_ROLES)
  @ApiOperation({ summary: "The caller's municipality settings (calendar, deadlines, districts)" })
  @ApiOkResponse({ type: SettingsDto })
  @ApiProblems(401, 403)
  settings(): Promise<SettingsDto> {
    return this.service.settings();
  }

  @Patch('settings')
  @Roles('admin')
  @ApiOperation({ summary: 'Change municipality settings (administrator)' })
  @ApiOkResponse({ type: SettingsDto })
  @ApiProblems(400, 401, 403, 422)
  update(@Body() dto: UpdateSettingsDto): Promise<SettingsDto> {
    return this.service.updateSettings(dto);
  }
}
