import { Module } from '@nestjs/common';
import { CasesModule } from '@tsunagi/cases';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { PlansModule } from '@tsunagi/plans';
import { TasksModule } from '@tsunagi/tasks';
import { ParticipationsRepository } from './participations.repository';
import { ParticipationsService } from './participations.service';
import { PublicDirectoryService } from './public-directory.service';
import { ResourcesRepository } from './resources.repository';
import { ResourcesService } from './resources.service';
import { UnmetNeedsRepository } from './unmet-needs.repository';
import { UnmetNeedsService } from './unmet-needs.service';

/** Providers of the resource directory, participation support and unmet needs (api, worker and CLI alike). */
@Module({
  imports: [CasesModule, TasksModule, MunicipalitiesModule, PlansModule],
  providers: [ResourcesRepository, ResourcesService, PublicDirectoryService, ParticipationsRepository, ParticipationsService, UnmetNeedsRepository, UnmetNeedsService],
  exports: [ResourcesService, PublicDirectoryService, ParticipationsService, UnmetNeedsService, ResourcesRepository],
})
export class ResourcesModule {}
