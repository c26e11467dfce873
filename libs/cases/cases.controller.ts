import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor, CASE_ROLES, CurrentActor, Page, PageQueryDto, Roles } from '@tsunagi/common';
import { ApiProblems, pageSchema } from '@tsunagi/common/openapi';
import { CasesService } from './cases.service';
import { CaseSearchDto, CaseSummaryDto, CaseViewDto, CreateCaseDto, CreateNoteDto, LocateDto, LocateResultDto, NoteViewDto, TimelineEntryDto, TransitionDto, UpdateCaseDto, VolunteerReceiptDto } from './dto/case.dto';
import { etag, parseIfMatch } from './if-match';

@ApiTags('cases')
@ApiBearerAuth()
@ApiExtraModels(CaseSummaryDto, NoteViewDto, TimelineEntryDto, CaseViewDto, VolunteerReceiptDto)
@Controller('cases')
export class CasesController {
  constructor(private readonly cases: CasesService) {}

  @Post()
  @Roles(...CASE_ROLES, 'volunteer')
  @ApiOperation({ summary: 'Open a case (受付): a channel and a summary are enough; never refused' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retries with the same key and body within 24 h return the first response' })
  @ApiCreatedResponse({ description: 'The case (a volunteer gets only id and caseNumber)', schema: { oneOf: [{ $ref: getSchemaPath(CaseViewDto) }, { $ref: getSchemaPath(VolunteerReceiptDto) }] } })
  @ApiProblems(400, 401, 403, 409, 422)
  async open(@CurrentActor() actor: Actor, @Body() dto: CreateCaseDto, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.cases.open(actor, dto, key);
    reply.status(result.status);
    if (result.replayed) reply.header('Idempotent-Replayed', 'true');
    if ('version' in result.body) reply.header('ETag', etag((result.body as CaseViewDto).version));
    return result.body;
  }

  @Get()
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'List the cases visible to the caller (newest first); prefer POST /cases/search for names' })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(CaseSummaryDto)) })
  @ApiProblems(400, 401, 403)
  list(@CurrentActor() actor: Actor, @Query() query: CaseSearchDto): Promise<Page<CaseSummaryDto>> {
    return this.cases.list(actor, query);
  }

  @Post('search')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Search cases with the filters of GET /cases in the body (names stay out of URLs and logs)' })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(CaseSummaryDto)) })
  @ApiProblems(400, 401, 403)
  search(@CurrentActor() actor: Actor, @Body() query: CaseSearchDto): Promise<Page<CaseSummaryDto>> {
    return this.cases.list(actor, query);
  }

  @Post('locate')
  @HttpCode(200)
  @Roles('desk_staff', 'supervisor')
  @ApiOperation({ summary: 'Does this person already have an open case, and which agency leads it? (desk staff, supervisor; audited)' })
  @ApiOkResponse({ type: LocateResultDto })
  @ApiProblems(400, 401, 403)
  locate(@CurrentActor() actor: Actor, @Body() dto: LocateDto): Promise<LocateResultDto> {
    return this.cases.locate(actor, dto);
  }

  @Get(':id')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Read a case (audited as case.viewed); ETag carries its version' })
  @ApiOkResponse({ type: CaseViewDto })
  @ApiProblems(400, 401, 403, 404)
  async get(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<CaseViewDto> {
    const view = await this.cases.get(actor, id);
    reply.header('ETag', etag(view.version));
    return view;
  }

  @Patch(':id')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Update a case (lead agency); needs If-Match' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag of your last read' })
  @ApiOkResponse({ type: CaseViewDto })
  @ApiProblems(400, 401, 403, 404, 409, 412, 422, 428)
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() dto: UpdateCaseDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CaseViewDto> {
    const view = await this.cases.update(actor, id, parseIfMatch(ifMatch), dto);
    reply.header('ETag', etag(view.version));
    return view;
  }

  @Post(':id/transitions')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Change the status: intake → assessment → support → monitoring → closed; reopen closed → assessment' })
  @ApiOkResponse({ type: CaseViewDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async transition(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: TransitionDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<CaseViewDto> {
    const view = await this.cases.transition(actor, id, dto);
    reply.header('ETag', etag(view.version));
    return view;
  }

  @Post(':id/notes')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Add a support record (支援経過記録) — lead or involved agency' })
  @ApiCreatedResponse({ type: NoteViewDto })
  @ApiProblems(400, 401, 403, 404)
  addNote(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CreateNoteDto): Promise<NoteViewDto> {
    return this.cases.addNote(actor, id, dto);
  }

  @Get(':id/notes')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'The notes of a case, newest first (audited)' })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(NoteViewDto)) })
  @ApiProblems(400, 401, 403, 404)
  notes(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Query() query: PageQueryDto): Promise<Page<NoteViewDto>> {
    return this.cases.notes(actor, id, query);
  }

  @Get(':id/timeline')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Every event on the case in time order (audited)' })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(TimelineEntryDto)) })
  @ApiProblems(400, 401, 403, 404)
  timeline(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Query() query: PageQueryDto): Promise<Page<TimelineEntryDto>> {
    return this.cases.timelineOf(actor, id, query);
  }
}
