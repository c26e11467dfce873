import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Actor, CurrentActor, Public } from '@tsunagi/common';
import { ApiProblems } from '@tsunagi/common/openapi';
import { LoginDto, LoginResponseDto, MeDto } from './dto/user.dto';
import { AuthService } from './auth.service';
import { MeService } from './me.service';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly me: MeService,
  ) {}

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in with municipality code, username and password', security: [] })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiProblems(400, 401, 429)
  login(@Body() dto: LoginDto, @Req() request: FastifyRequest): Promise<LoginResponseDto> {
    return this.auth.login(dto, request.ip);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user with roles, agency and municipality' })
  @ApiOkResponse({ type: MeDto })
  @ApiProblems(401)
  getMe(@CurrentActor() actor: Actor): Promise<MeDto> {
    return this.me.describe(actor);
  }
}
