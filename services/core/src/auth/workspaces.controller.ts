import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../pagination/pagination';
import { CurrentAuth, CurrentWorkspace, Roles } from './auth.decorators';
import type { AuthContext } from './auth.decorators';
import { ROLES } from './roles';
import type { Role } from './roles';
import { WorkspacesService } from './workspaces.service';

export class CreateWorkspaceDto {
  @ApiProperty({ example: 'Acme integrations' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}

export class CreateKeyDto {
  @ApiProperty({ example: 'ci-publisher' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role!: Role;
}

@ApiTags('workspaces')
@ApiBearerAuth()
@Controller('api/v1')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Get('me')
  me(@CurrentAuth() auth: AuthContext) {
    return { workspace: auth.workspace, role: auth.role, keyName: auth.keyName };
  }

  /** Creates a separate workspace; the response holds its owner key (shown once). */
  @Post('workspaces')
  @Roles('owner')
  createWorkspace(@Body() body: CreateWorkspaceDto) {
    return this.workspaces.createWorkspace(body.name);
  }

  @Post('keys')
  @Roles('owner')
  createKey(@CurrentWorkspace() workspace: { id: string }, @Body() body: CreateKeyDto) {
    return this.workspaces.createKey(workspace.id, body.name, body.role);
  }

  @Get('keys')
  @Roles('owner')
  listKeys(@CurrentWorkspace() workspace: { id: string }, @Query() query: PageQueryDto) {
    return this.workspaces.listKeys(workspace.id, query);
  }

  @Delete('keys/:id')
  @Roles('owner')
  @HttpCode(200)
  revokeKey(@CurrentWorkspace() workspace: { id: string }, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.workspaces.revokeKey(workspace.id, id);
  }
}
