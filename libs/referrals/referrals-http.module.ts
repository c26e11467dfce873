import { Module } from '@nestjs/common';
import { ReferralsController } from './referrals.controller';
import { ReferralsModule } from './referrals.module';

/** The HTTP routes of referrals; the worker imports ReferralsModule alone (no controllers there). */
@Module({ imports: [ReferralsModule], controllers: [ReferralsController] })
export class ReferralsHttpModule {}
