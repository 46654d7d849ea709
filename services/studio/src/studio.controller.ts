import { CurrentWorkspace, Roles } from '@flowport/core';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BuildConnectorDto, StudioConnectorsQueryDto, TemplateQueryDto, TestConnectorDto } from './dto/studio.dto';
import { StudioService } from './studio.service';

/** Connector Studio: template, build and test in the sandbox, the workspace's own connectors. */
@ApiTags('studio')
@ApiBearerAuth()
@Roles('developer')
@Controller('api/v1/studio')
export class StudioController {
  constructor(private readonly studio: StudioService) {}

  @Get('template')
  @ApiOperation({ summary: "The SDK template's source files (src/**), ready to edit and build" })
  template(@Query() query: TemplateQueryDto) {
    return this.studio.template(query);
  }

  @Post('build')
  @HttpCode(200)
  @ApiOperation({ summary: 'Bundle the given files with the SDK build; 422 BUILD_FAILED with details[].path = "src/x.ts:line:column"' })
  build(@Body() body: BuildConnectorDto) {
    return this.studio.build(body);
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run an action or trigger of a built bundle in the sandbox: output, logs and the error mapped to source lines' })
  test(@CurrentWorkspace() workspace: { id: string }, @Body() body: TestConnectorDto) {
    return this.studio.test(workspace.id, body);
  }

  @Get('connectors')
  @ApiOperation({ summary: "The workspace's own published connectors with all versions (newest first)" })
  connectors(@CurrentWorkspace() workspace: { id: string }, @Query() query: StudioConnectorsQueryDto) {
    return this.studio.connectors(workspace.id, query);
  }
}
