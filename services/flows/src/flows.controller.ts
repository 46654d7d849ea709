import { CurrentWorkspace, Roles } from '@flowport/core';
import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, ParseUUIDPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ActivateFlowDto,
  CreateFlowDto,
  ExportQueryDto,
  FlowDetailDto,
  FlowExportDto,
  FlowPageDto,
  FlowVersionDto,
  ImportFlowDto,
  ListFlowsQueryDto,
  UpdateFlowDto,
  WebhookTokenDto,
} from './dto/flows.dto';
import { FlowsService } from './flows.service';

type Ws = { id: string };
const uuid = new ParseUUIDPipe();

@ApiTags('flows')
@ApiBearerAuth()
@Roles('member')
@Controller('api/v1/flows')
export class FlowsController {
  constructor(private readonly flows: FlowsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a flow (its draft); a webhook-triggered flow gets its token in this response only' })
  @ApiCreatedResponse({ type: FlowDetailDto })
  create(@CurrentWorkspace() ws: Ws, @Body() body: CreateFlowDto) {
    return this.flows.create(ws.id, { ...body, name: body.name });
  }

  @Get()
  @ApiOperation({ summary: 'List flows by name; filter by status and text' })
  @ApiOkResponse({ type: FlowPageDto })
  list(@CurrentWorkspace() ws: Ws, @Query() query: ListFlowsQueryDto) {
    return this.flows.list(ws.id, query);
  }

  @Post('import')
  @ApiOperation({ summary: 'Create a flow from an export; give an account id per placeholder and the removed secrets' })
  @ApiCreatedResponse({ type: FlowDetailDto })
  import(@CurrentWorkspace() ws: Ws, @Body() body: ImportFlowDto) {
    return this.flows.import(ws.id, body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A flow with its draft and its published versions' })
  @ApiOkResponse({ type: FlowDetailDto })
  get(@CurrentWorkspace() ws: Ws, @Param('id', uuid) id: string) {
    return this.flows.get(ws.id, id);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace the draft (name, description, trigger, steps); published versions never change' })
  @ApiOkResponse({ type: FlowDetailDto })
  replace(@CurrentWorkspace() ws: Ws, @Param('id', uuid) id: string, @Body() body: CreateFlowDto) {
    return this.flows.replace(ws.id, id, body);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change part of the draft; trigger and steps are each replaced whole' })
  @ApiOkResponse({ type: FlowDetailDto })
  update(@CurrentWorkspace() ws: Ws, @Param('id', uuid) id: string, @Body() body: UpdateFlowDto) {
    return this.flows.update(ws.id, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a flow and its versions (refused while active)' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'FLOW_ACTIVE: deactivate first' })
  async remove(@CurrentWorkspace() ws: Ws, @Param('id', uuid) id: string): Promise<void> {
    await this.flows.remove(ws.id, id);
  }

  @Get(':id/versions/:version')
  @ApiOperation({ summary: 'One published (immutable) version' })
  @ApiOkResponse({ type: FlowVersionDto })
  getVersion(@CurrentWorkspace() ws: Ws, @Param('id', uuid) id: string, @Param('version', ParseIntPipe) version: number) {
    return this.flows.getVersion(ws.id, id, version);
  }

  @Post(':id/publish')
  @ApiOperation({ summary: 'Freeze the draft as the next version (1, 2, ...)' })
  @ApiCreatedResponse({ type: FlowVersionDto })
  @ApiConflictResponse({ description: 'DRAFT_UNCHANGED: identical to the latest version' })
  publish(@CurrentWorkspace() ws: Ws, @Param('id', uuid) id: string) {
    return this.flows.publish(ws.id, id);
  }

  @Post(':id/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run a published version (default the latest): its trigger starts' })
  @ApiOkResponse({ type: FlowDetailDto })
  @ApiConflictResponse({ description: 'NOT_PUBLISHED: nothing published yet; VERSION_NOT_RUNNABLE: the version no longer fits the installs/accounts' })
  activate(@CurrentWorkspace() ws: Ws, @Param('id', uuid) id: string, @Body() body: ActivateFlowDto) {
    return this.flows.activate(ws.id, id, body?.version);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop the flow: its trigger stops, no new runs start' })
  @ApiOkResponse({ type: FlowDetailDto })
  deactivate(@CurrentWorkspace() ws: Ws, @Param('id', uuid) id: string) {
    return this.flows.deactivate(ws.id, id);
  }

  @Post(':id/webhook-token')
  @ApiOperation({ summary: 'Issue a new webhook token (shown once); the previous one stops working' })
  @ApiCreatedResponse({ type: WebhookTokenDto })
  @ApiConflictResponse({ description: 'NO_WEBHOOK_TRIGGER' })
  rotateWebhookToken(@CurrentWorkspace() ws: Ws, @Param('id', uuid) id: string) {
    return this.flows.rotateWebhookToken(ws.id, id);
  }

  @Get(':id/export')
  @ApiOperation({ summary: 'Portable JSON of the draft (or a version): accounts become placeholders, secrets are removed' })
  @ApiOkResponse({ type: FlowExportDto })
  export(@CurrentWorkspace() ws: Ws, @Param('id', uuid) id: string, @Query() query: ExportQueryDto) {
    return this.flows.export(ws.id, id, query.version);
  }
}
