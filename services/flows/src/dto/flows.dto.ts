import { PageQueryDto } from '@flowport/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { FLOW_STATUSES, STEP_TYPES, TRIGGER_TYPES } from '../definition/flow-definition';
import type { FlowStatus } from '../definition/flow-definition';

const TRIGGER_DOC = `TriggerDef (docs/contracts.md section 4): type is one of ${TRIGGER_TYPES.join(', ')}. Checked in full by the service; errors name the path, e.g. trigger.props.queue.`;
const STEPS_DOC = `Ordered StepDef list; type is one of ${STEP_TYPES.join(', ')}; names unique, [a-zA-Z_][a-zA-Z0-9_]*.`;
const TRIGGER_EXAMPLE = {
  type: 'connector',
  connector: 'amazon-sqs',
  version: '1.0.0',
  trigger: 'listen-queue',
  account: '6f1c2d4e-1111-4a2b-9c3d-123456789abc',
  props: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123/orders' },
  batchSize: 10,
  externalId: 'payload.orderId',
  batchWaitMs: 1000,
};

export class CreateFlowDto {
  @ApiProperty({ example: 'Orders to CRM' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ default: '' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: TRIGGER_DOC, example: TRIGGER_EXAMPLE })
  @IsOptional()
  @IsObject()
  trigger?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, description: STEPS_DOC, default: [] })
  @IsOptional()
  @IsArray()
  steps?: unknown[];
}

/** PATCH: any subset; trigger and steps are each replaced whole. */
export class UpdateFlowDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: TRIGGER_DOC })
  @IsOptional()
  @IsObject()
  trigger?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, description: STEPS_DOC })
  @IsOptional()
  @IsArray()
  steps?: unknown[];
}

export class ListFlowsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: FLOW_STATUSES })
  @IsOptional()
  @IsIn(FLOW_STATUSES, { message: `status must be one of ${FLOW_STATUSES.join(', ')}` })
  status?: FlowStatus;

  @ApiPropertyOptional({ description: 'Text in the name or description' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class ActivateFlowDto {
  @ApiPropertyOptional({ description: 'Published version to run; default the latest', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class ExportQueryDto {
  @ApiPropertyOptional({ description: 'Published version to export; default the draft', minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version?: number;
}

export class ImportFlowDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The JSON from GET /api/v1/flows/{id}/export, unchanged' })
  @IsObject()
  flow!: Record<string, unknown>;

  @ApiPropertyOptional({ description: "Name of the new flow; default the export's name" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'Account id for each placeholder of the export, e.g. { "account_1": "<uuid>" }' })
  @IsOptional()
  @IsObject()
  accounts?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'A value for each path listed in the export\'s secrets, e.g. { "trigger.props.password": "..." }' })
  @IsOptional()
  @IsObject()
  secrets?: Record<string, unknown>;
}

// ---- responses (OpenAPI only) -----------------------------------------------------------------

export class TriggerSummaryDto {
  @ApiProperty({ enum: TRIGGER_TYPES }) type!: string;
  @ApiProperty({ example: 'amazon-sqs@1.0.0 listen-queue' }) label!: string;
  @ApiPropertyOptional() connector?: string;
  @ApiPropertyOptional() version?: string;
  @ApiPropertyOptional() trigger?: string;
}

export class FlowSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: FLOW_STATUSES }) status!: string;
  @ApiProperty({ type: 'integer', nullable: true }) activeVersion!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) latestVersion!: number | null;
  @ApiProperty({ type: TriggerSummaryDto }) trigger!: TriggerSummaryDto;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class FlowPageDto {
  @ApiProperty({ type: [FlowSummaryDto] }) items!: FlowSummaryDto[];
  @ApiProperty({ type: 'string', nullable: true }) nextCursor!: string | null;
}

export class FlowVersionBriefDto {
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty() active!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class FlowDefinitionDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: TRIGGER_DOC }) trigger!: Record<string, unknown>;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: STEPS_DOC }) steps!: unknown[];
}

export class FlowDetailDto extends FlowSummaryDto {
  @ApiProperty({ type: FlowDefinitionDto }) draft!: FlowDefinitionDto;
  @ApiProperty({ type: [FlowVersionBriefDto] }) versions!: FlowVersionBriefDto[];
  @ApiProperty() hasWebhookToken!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ description: 'Only in the response that issued it (create/update/import of a webhook-triggered flow): store it now, it is never shown again' })
  webhookToken?: string;
}

export class FlowVersionDto {
  @ApiProperty({ format: 'uuid' }) flowId!: string;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty() active!: boolean;
  @ApiProperty({ type: FlowDefinitionDto }) definition!: FlowDefinitionDto;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class WebhookTokenDto {
  @ApiProperty({ format: 'uuid' }) flowId!: string;
  @ApiProperty({ description: 'Shown once; the previous token stopped working', example: 'fpwh_...' }) webhookToken!: string;
}

export class FlowExportAccountDto {
  @ApiProperty({ example: 'account_1' }) placeholder!: string;
  @ApiProperty() connector!: string;
  @ApiProperty({ description: "Account name in the connector's manifest" }) account!: string;
  @ApiProperty({ type: [String], example: ['trigger', 'steps[1]'] }) usedBy!: string[];
}

export class FlowExportSecretDto {
  @ApiProperty({ example: 'trigger.props.password' }) path!: string;
  @ApiProperty() description!: string;
}

export class FlowExportDto {
  @ApiProperty({ example: 'flowport.flow/v1' }) format!: string;
  @ApiProperty({ format: 'date-time' }) exportedAt!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'integer', nullable: true }) sourceVersion!: number | null;
  @ApiProperty({ type: FlowDefinitionDto }) definition!: FlowDefinitionDto;
  @ApiProperty({ type: 'array', items: { type: 'object', properties: { connector: { type: 'string' }, version: { type: 'string' } } } }) connectors!: unknown[];
  @ApiProperty({ type: [FlowExportAccountDto] }) accounts!: FlowExportAccountDto[];
  @ApiProperty({ type: [FlowExportSecretDto] }) secrets!: FlowExportSecretDto[];
}
