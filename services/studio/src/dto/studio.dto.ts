import { PageQueryDto } from '@flowport/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Matches, Max, Min, MaxLength } from 'class-validator';

export class TemplateQueryDto {
  @ApiPropertyOptional({ description: 'Connector name written into the template', example: 'acme-crm', default: 'my-connector' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, { message: 'name must be a lowercase slug like "acme-crm" (letters, digits, single dashes)' })
  @MaxLength(64)
  name?: string;

  @ApiPropertyOptional({ description: 'Display name written into the template', example: 'Acme CRM' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  displayName?: string;
}

export class BuildConnectorDto {
  @ApiProperty({
    description: "The connector's source files by relative path; src/index.ts is the entry",
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'src/index.ts': "import { defineConnector } from '@flowport/connector-sdk';\n..." },
  })
  @IsObject()
  files!: Record<string, string>;
}

export class TestConnectorDto {
  @ApiProperty({ description: 'The bundle returned by POST /api/v1/studio/build' })
  @IsString()
  bundle!: string;

  @ApiProperty({ example: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' })
  @IsString()
  integrity!: string;

  @ApiPropertyOptional({ description: 'The sourceMap returned by the build; maps error stacks to file:line:column' })
  @IsOptional()
  @IsString()
  sourceMap?: string;

  @ApiProperty({ enum: ['action', 'trigger'] })
  @IsIn(['action', 'trigger'], { message: 'op must be "action" or "trigger"' })
  op!: 'action' | 'trigger';

  @ApiProperty({ description: 'Action or trigger name from the manifest', example: 'get-item' })
  @IsString()
  @MaxLength(100)
  target!: string;

  @ApiPropertyOptional({ description: "The action's or trigger's props", type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  props?: Record<string, unknown>;

  @ApiPropertyOptional({ description: "A saved account of this workspace (its connector must have the built connector's name)" })
  @IsOptional()
  @IsUUID()
  accountId?: string;

  @ApiPropertyOptional({ description: 'Account values given inline (not saved); ignored when accountId is set', type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  account?: Record<string, unknown>;

  @ApiPropertyOptional({ description: "Stream triggers: the message to map; default: the trigger's sampleData as the body", type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  message?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Pooling triggers: the store state to start from (e.g. a cursor)', type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  state?: Record<string, unknown>;

  @ApiPropertyOptional({ minimum: 100, maximum: 60000, default: 30000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(60_000)
  timeoutMs?: number;
}

export class StudioConnectorsQueryDto extends PageQueryDto {}
