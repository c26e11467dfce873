import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor, CASE_ROLES, CurrentActor, Page, Roles } from '@tsunagi/common';
import { ApiProblems, pageSchema } from '@tsunagi/common/openapi';
import { AcceptReferralDto, CreateReferralDto, DeclineReferralDto, FirstContactDto, ReferralDto, ReferralListQueryDto, WithdrawReferralDto } from './dto/referral.dto';
import { ReferralsService } from './referrals.service';

@ApiTags('referrals')
@ApiBearerAuth()
@ApiExtraModels(ReferralDto)
@Controller()
export class ReferralsController {
  constructor(private readonly referrals: ReferralsService) {}

  @Post('cases/:id/referrals')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Refer a case (つなぎ): transfer (lead agency) or collaboration (lead or involved agency)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retries with the same key and body within 24 h return the first response' })
  @ApiCreatedResponse({ type: ReferralDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async create(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CreateReferralDto, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<ReferralDto> {
    const result = await this.referrals.create(actor, id, dto, key);
    reply.status(result.status);
    if (result.replayed) reply.header('Idempotent-Replayed', 'true');
    return result.body;
  }

  @Get('cases/:id/referrals')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Every referral of a case: the record of who shared whose information with whom, when, on which basis' })
  @ApiOkResponse({ type: [ReferralDto] })
  @ApiProblems(400, 401, 403, 404)
  byCase(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string): Promise<ReferralDto[]> {
    return this.referrals.byCase(actor, id);
  }

  @Get('referrals')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: "The caller's agency's incoming or outgoing referrals, newest first" })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(ReferralDto)) })
  @ApiProblems(400, 401, 403)
  list(@CurrentActor() actor: Actor, @Query() query: ReferralListQueryDto): Promise<Page<ReferralDto>> {
    return this.referrals.list(actor, query);
  }

  @Get('referrals/:id')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'One referral (audited)' })
  @ApiOkResponse({ type: ReferralDto })
  @ApiProblems(400, 401, 403, 404)
  get(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string): Promise<ReferralDto> {
    return this.referrals.get(actor, id);
  }

  @Post('referrals/:id/accept')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Accept (receiving agency): a transfer moves the lead, a collaboration adds the receiver' })
  @ApiOkResponse({ type: ReferralDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  accept(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: AcceptReferralDto): Promise<ReferralDto> {
    return this.referrals.accept(actor, id, dto);
  }

  @Post('referrals/:id/decline')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Decline with a reason (receiving agency): the referrer gets a re-route task, supervisors are told' })
  @ApiOkResponse({ type: ReferralDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  decline(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: DeclineReferralDto): Promise<ReferralDto> {
    return this.referrals.decline(actor, id, dto);
  }

  @Post('referrals/:id/withdraw')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Withdraw a pending referral (referring agency)' })
  @ApiOkResponse({ type: ReferralDto })
  @ApiProblems(400, 401, 403, 404, 409)
  withdraw(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: WithdrawReferralDto): Promise<ReferralDto> {
    return this.referrals.withdraw(actor, id, dto);
  }

  @Post('referrals/:id/first-contact')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Record first contact after an accepted transfer (receiving agency): closes the warm hand-off' })
  @ApiOkResponse({ type: ReferralDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  firstContact(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: FirstContactDto): Promise<ReferralDto> {
    return this.referrals.firstContact(actor, id, dto);
  }
}
