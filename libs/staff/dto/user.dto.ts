import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsEmail, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '@tsunagi/vocabularies';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export class CreateUserDto {
  @ApiProperty({ example: 'sato.hanako', description: 'Unique within the municipality; lower-case letters, digits, . _ -' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9._-]{1,63}$/, { message: 'username must be 2–64 lower-case letters, digits, . _ or -' })
  username: string;

  @ApiProperty({ example: '佐藤 花子' })
  @IsString() @MinLength(1) @MaxLength(100)
  displayName: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for every role but admin and auditor' })
  @IsOptional() @IsUUID()
  agencyId?: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['desk_staff'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(8) @ArrayUnique() @IsIn(ROLES, { each: true })
  roles: Role[];

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, writeOnly: true })
  @IsString() @MinLength(PASSWORD_MIN) @MaxLength(PASSWORD_MAX)
  password: string;

  @ApiPropertyOptional({ example: 'sato@city.example.jp', description: 'For e-mailed notifications (when the municipality enables them)' })
  @IsOptional() @IsEmail() @MaxLength(254)
  email?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(100)
  displayName?: string;

  @ApiPropertyOptional({ format: 'uuid', description: '人事異動: move the user to another agency' })
  @IsOptional() @IsUUID()
  agencyId?: string;

  @ApiPropertyOptional({ enum: ROLES, isArray: true })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(8) @ArrayUnique() @IsIn(ROLES, { each: true })
  roles?: Role[];

  @ApiPropertyOptional({ example: 'sato@city.example.jp' })
  @IsOptional() @IsEmail() @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'A disabled user cannot log in; their tokens stop working at once' })
  @IsOptional() @IsBoolean()
  disabled?: boolean;
}

export class ChangePasswordDto {
  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, writeOnly: true })
  @IsString() @MinLength(PASSWORD_MIN) @MaxLength(PASSWORD_MAX)
  newPassword: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'Required when users change their own password' })
  @IsOptional() @IsString() @MaxLength(PASSWORD_MAX)
  currentPassword?: string;
}

export class AgencyRefDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() kind: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) agencyId: string | null;
  @ApiProperty({ enum: ROLES, isArray: true }) roles: Role[];
  @ApiProperty({ type: String, nullable: true }) email: string | null;
  @ApiProperty() disabled: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class MunicipalityRefDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'demo' }) code: string;
  @ApiProperty({ example: 'みどり市' }) name: string;
}

export class MeDto extends UserDto {
  @ApiProperty({ type: AgencyRefDto, nullable: true }) agency: AgencyRefDto | null;
  @ApiProperty({ type: MunicipalityRefDto }) municipality: MunicipalityRefDto;
}

export class LoginDto {
  @ApiProperty({ example: 'demo', description: 'Municipality code' })
  @IsString() @MinLength(1) @MaxLength(40)
  municipality: string;

  @ApiProperty({ example: 'desk' })
  @IsString() @MinLength(1) @MaxLength(64)
  username: string;

  @ApiProperty({ writeOnly: true })
  @IsString() @MinLength(1) @MaxLength(PASSWORD_MAX)
  password: string;
}

export class LoginResponseDto {
  @ApiProperty() accessToken: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType: 'Bearer';
  @ApiProperty({ description: 'Seconds until the token expires' }) expiresIn: number;
  @ApiProperty({ type: UserDto }) user: UserDto;
}
