import { Module } from '@nestjs/common';
import { AgenciesRepository } from './agencies.repository';
import { AgenciesService } from './agencies.service';

@Module({
  providers: [AgenciesRepository, AgenciesService],
  exports: [AgenciesService],
})
export class AgenciesModule {}
