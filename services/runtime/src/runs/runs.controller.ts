import { CurrentWorkspace, PageQueryDto } from '@flowport/core';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsDefined, IsISO8601, IsOptional, IsString, IsUUID } from 'class-validator';
import type { JsonValue } from '../stream-message';
import { TriggerManager } from '../triggers/trigger-manager.service';
import { RunsService } from './runs.service';

export class ListRunsQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() flowId?: string;
  @ApiPropertyOptional({ description: 'One status or a comma list' }) @IsOptional() @IsString() status?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601() from?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601() to?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() externalId?: string;
}

export class ReplayRunDto {
  @ApiPropertyOptional({ description: 'Replay only these failed messages (ids from the run\'s messages[])', type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  messageIds?: string[];
}

export class StartRunDto {
  @ApiPropertyOptional({ description: 'The run\'s trigger input' })
  @IsOptional()
  input?: JsonValue;
}

export class EmitEventDto {
  @ApiPropertyOptional({ description: 'Handed to each listening flow as its trigger input' })
  @IsDefined({ message: 'payload is required: the event data, any JSON value' })
  payload!: JsonValue;
}

/** The Executions screen: runs, their messages and steps, logs, replay. */
@ApiTags('runs')
@ApiBearerAuth()
@Controller('api/v1/runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Get()
  list(@CurrentWorkspace() ws: { id: string }, @Query() query: ListRunsQueryDto) {
    return this.runs.list(ws.id, query);
  }

  @Get(':id')
  get(@CurrentWorkspace() ws: { id: string }, @Param('id') id: string) {
    return this.runs.get(ws.id, id);
  }

  @Get(':id/logs')
  logs(@CurrentWorkspace() ws: { id: string }, @Param('id') id: string) {
    return this.runs.logs(ws.id, id);
  }

  @Post(':id/replay')
  @HttpCode(202)
  replay(@CurrentWorkspace() ws: { id: string }, @Param('id') id: string, @Body() body: ReplayRunDto) {
    return this.runs.replay(ws.id, id, body?.messageIds);
  }
}

/** Starting runs by hand, on sample data, and the per-flow message status (resync). */
@ApiTags('runs')
@ApiBearerAuth()
@Controller('api/v1/flows')
export class FlowRunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly triggers: TriggerManager,
  ) {}

  @Post(':id/runs')
  @HttpCode(202)
  start(@CurrentWorkspace() ws: { id: string }, @Param('id') id: string, @Body() body: StartRunDto) {
    return this.runs.startManual(ws.id, id, body?.input ?? null);
  }

  @Post(':id/test')
  @HttpCode(202)
  test(@CurrentWorkspace() ws: { id: string }, @Param('id') id: string, @Body() body: StartRunDto) {
    return this.runs.startTest(ws.id, id, body?.input);
  }

  @Get(':id/resync')
  resync(@CurrentWorkspace() ws: { id: string }, @Param('id') id: string) {
    return this.runs.resync(ws.id, id);
  }

  /** Whether this replica runs the flow's trigger, and why not when it failed to start. */
  @Get(':id/trigger')
  async trigger(@CurrentWorkspace() ws: { id: string }, @Param('id') id: string) {
    const flow = await this.runs.flowOrThrow(ws.id, id);
    return { flowId: flow.id, status: flow.status, ...(await this.triggers.describe(flow.id)) };
  }
}

/** Custom events: every active flow listening for the name gets a run. */
@ApiTags('runs')
@ApiBearerAuth()
@Controller('api/v1/events')
export class EventsController {
  constructor(private readonly runs: RunsService) {}

  @Post(':name')
  @HttpCode(202)
  emit(@CurrentWorkspace() ws: { id: string }, @Param('name') name: string, @Body() body: EmitEventDto) {
    return this.runs.emitEvent(ws.id, name, body.payload);
  }
}
