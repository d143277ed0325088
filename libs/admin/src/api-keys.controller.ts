import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMIN_ACCESS, describeRequirement, type AdminPrincipal } from './admin-access.js';
import { AdminAccess, CurrentAdmin } from './admin-access.decorator.js';
import { ApiKeysService } from './api-keys.service.js';
import { AdminErrorResponseDto } from './dto/admin-error-response.dto.js';
import { ApiKeyCreateDto, ApiKeyCreatedResponseDto, ApiKeyListResponseDto, toApiKeyResponse } from './dto/api-key.dto.js';

@ApiTags('admin: API keys')
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Get()
  @AdminAccess(ADMIN_ACCESS.apiKeysRead)
  @ApiOperation({ summary: 'List API keys (never the keys themselves)', description: describeRequirement(ADMIN_ACCESS.apiKeysRead) })
  @ApiOkResponse({ type: ApiKeyListResponseDto })
  async list(@CurrentAdmin() principal: AdminPrincipal): Promise<ApiKeyListResponseDto> {
    return { apiKeys: (await this.apiKeys.listKeys(principal)).map(toApiKeyResponse) };
  }

  @Post()
  @AdminAccess(ADMIN_ACCESS.apiKeysWrite)
  @ApiOperation({
    summary: 'Create an API key',
    description: `${describeRequirement(ADMIN_ACCESS.apiKeysWrite)} The key is returned once, in this response; only its SHA-256 is stored. Send it as Authorization: Bearer <key>. A key can only grant scopes it holds itself.`,
  })
  @ApiCreatedResponse({ type: ApiKeyCreatedResponseDto })
  @ApiBadRequestResponse({ type: AdminErrorResponseDto, description: 'Invalid name, unknown scope, or an expiry in the past' })
  async create(@CurrentAdmin() principal: AdminPrincipal, @Body() body: ApiKeyCreateDto): Promise<ApiKeyCreatedResponseDto> {
    const { apiKey, key } = await this.apiKeys.createKey(principal, body);
    return { ...toApiKeyResponse(apiKey), key };
  }

  @Delete(':id')
  @HttpCode(204)
  @AdminAccess(ADMIN_ACCESS.apiKeysWrite)
  @ApiOperation({ summary: 'Revoke an API key', description: `${describeRequirement(ADMIN_ACCESS.apiKeysWrite)} Takes effect on the next request; revoking twice is allowed.` })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ type: AdminErrorResponseDto, description: 'No API key with this id' })
  async revoke(@CurrentAdmin() principal: AdminPrincipal, @Param('id') id: string): Promise<void> {
    await this.apiKeys.revokeKey(principal, id);
  }
}
