import { Module } from '@nestjs/common';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { HandoffsRepository } from './handoffs.repository';
import { HandoffsService } from './handoffs.service';
import { SupervisionController } from './supervision.controller';

@Module({
  imports: [MunicipalitiesModule],
  controllers: [SupervisionController],
  providers: [HandoffsRepository, HandoffsService],
})
export class SupervisionModule {}
