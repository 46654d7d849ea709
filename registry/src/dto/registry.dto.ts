import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '@flowport/core';
import { IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class PublishVersionDto {
  @ApiProperty({ description: 'The manifest.json built beside the bundle', type: 'object', additionalProperties: true })
  @IsObject()
  manifest!: Record<string, unknown>;

  @ApiProperty({ description: 'The built bundle (one self-contained script)' })
  @IsString()
  bundle!: string;

  @ApiProperty({ example: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' })
  @IsString()
  @IsNotEmpty()
  integrity!: string;

  @ApiPropertyOptional({ description: 'ed25519 signature (base64) over the integrity string' })
  @IsOptional()
  @IsString()
  signature?: string;

  @ApiPropertyOptional({ description: 'keyId of a key registered with POST /api/v1/registry/keys' })
  @IsOptional()
  @IsString()
  keyId?: string;
}

export class RegisterPublisherKeyDto {
  @ApiProperty({ example: 'release-2026' })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'keyId may contain letters, digits, ".", "_" and "-" (1 to 64 characters)' })
  keyId!: string;

  @ApiProperty({ description: 'ed25519 public key: SPKI PEM or 32 raw bytes in base64' })
  @IsString()
  @MaxLength(2000)
  publicKey!: string;
}

export class ListConnectorsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Text in name, display name or description' })
  @IsOptional()
  @IsString()
  q?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  category?: string;

  @ApiPropertyOptional({ enum: ['stream', 'pooling', 'webhook'] })
  @IsOptional()
  @IsIn(['stream', 'pooling', 'webhook'], { message: 'triggerKind must be one of stream, pooling, webhook' })
  triggerKind?: string;

  @ApiPropertyOptional({ description: 'Publisher workspace id or name' })
  @IsOptional()
  @IsString()
  publisher?: string;
}
