import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditQueryService } from './audit-query.service';

/** The audit routes (the recording service itself is global, in AuditModule). */
@Module({ providers: [AuditQueryService], controllers: [AuditController] })
export class AuditHttpModule {}
