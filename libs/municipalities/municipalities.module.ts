import { Module } from '@nestjs/common';
import { AgenciesModule } from '@tsunagi/agencies';
import { MunicipalitiesController } from './municipalities.controller';
import { MunicipalitiesRepository } from './municipalities.repository';
import { MunicipalitiesService } from './municipalities.service';

@Module({
  imports: [AgenciesModule],
  controllers: [MunicipalitiesController],
  providers: [MunicipalitiesRepository, MunicipalitiesService],
  exports: [MunicipalitiesService],
})
export class MunicipalitiesModule {}
