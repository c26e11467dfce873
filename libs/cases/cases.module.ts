import { Module } from '@nestjs/common';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { CaseAccessService } from './case-access.service';
import { CasesRepository } from './cases.repository';
import { CasesService } from './cases.service';

@Module({
  imports: [MunicipalitiesModule],
  providers: [CasesRepository, CasesService, CaseAccessService],
  exports: [CasesService, CaseAccessService, CasesRepository],
})
export class CasesModule {}
