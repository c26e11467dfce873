import { Module } from '@nestjs/common';
import { CasesModule } from '@tsunagi/cases';
import { ConferencesModule } from '@tsunagi/conferences';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { NotificationsModule } from '@tsunagi/notifications';
import { TasksModule } from '@tsunagi/tasks';
import { ReferralsRepository } from './referrals.repository';
import { ReferralsService } from './referrals.service';

@Module({
  imports: [CasesModule, ConferencesModule, TasksModule, NotificationsModule, MunicipalitiesModule],
  providers: [ReferralsRepository, ReferralsService],
  exports: [ReferralsService],
})
export class ReferralsModule {}
