import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ADMIN_ACCESS, describeRequirement, type AdminPrincipal } from './admin-access.js';
import { AdminAccess, CurrentAdmin } from './admin-access.decorator.js';
import { ConsoleUsersService } from './console-users.service.js';
import { AdminErrorResponseDto } from './dto/admin-error-response.dto.js';
import {
  ConsoleUserCreateDto,
  ConsoleUserListResponseDto,
  ConsoleUserResponseDto,
  ConsoleUserUpdateDto,
  toConsoleUserResponse,
} from './dto/console-user.dto.js';

const NOT_FOUND = { type: AdminErrorResponseDto, description: 'No console user with this id' };

@ApiTags('admin: console users')
@Controller('admin/users')
export class ConsoleUsersController {
  constructor(private readonly users: ConsoleUsersService) {}

  @Get()
  @AdminAccess(ADMIN_ACCESS.usersRead)
  @ApiOperation({ summary: 'List console users', description: describeRequirement(ADMIN_ACCESS.usersRead) })
  @ApiOkResponse({ type: ConsoleUserListResponseDto })
  async list(@CurrentAdmin() principal: AdminPrincipal): Promise<ConsoleUserListResponseDto> {
    return { users: (await this.users.listUsers(principal)).map(toConsoleUserResponse) };
  }

  @Post()
  @AdminAccess(ADMIN_ACCESS.usersWrite)
  @ApiOperation({ summary: 'Create a console user', description: describeRequirement(ADMIN_ACCESS.usersWrite) })
  @ApiCreatedResponse({ type: ConsoleUserResponseDto })
  @ApiBadRequestResponse({ type: AdminErrorResponseDto, description: 'Invalid username, password or role' })
  @ApiConflictResponse({ type: AdminErrorResponseDto, description: 'Username taken' })
  async create(@CurrentAdmin() principal: AdminPrincipal, @Body() body: ConsoleUserCreateDto): Promise<ConsoleUserResponseDto> {
    return toConsoleUserResponse(await this.users.createUser(principal, body));
  }

  @Get(':id')
  @AdminAccess(ADMIN_ACCESS.usersRead)
  @ApiOperation({ summary: 'Get a console user', description: describeRequirement(ADMIN_ACCESS.usersRead) })
  @ApiOkResponse({ type: ConsoleUserResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async get(@CurrentAdmin() principal: AdminPrincipal, @Param('id') id: string): Promise<ConsoleUserResponseDto> {
    return toConsoleUserResponse(await this.users.getUser(principal, id));
  }

  @Patch(':id')
  @AdminAccess(ADMIN_ACCESS.usersWrite)
  @ApiOperation({
    summary: 'Change a console user’s role, password or disabled state',
    description: `${describeRequirement(ADMIN_ACCESS.usersWrite)} Demoting or disabling the last active admin is refused.`,
  })
  @ApiOkResponse({ type: ConsoleUserResponseDto })
  @ApiBadRequestResponse({ type: AdminErrorResponseDto, description: 'Invalid field' })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: AdminErrorResponseDto, description: 'Would leave no active admin' })
  async update(@CurrentAdmin() principal: AdminPrincipal, @Param('id') id: string, @Body() body: ConsoleUserUpdateDto): Promise<ConsoleUserResponseDto> {
    return toConsoleUserResponse(await this.users.updateUser(principal, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @AdminAccess(ADMIN_ACCESS.usersWrite)
  @ApiOperation({ summary: 'Delete a console user', description: `${describeRequirement(ADMIN_ACCESS.usersWrite)} The last active admin cannot be deleted.` })
  @ApiNoContentResponse({ description: 'Deleted; the user’s tokens stop working at once' })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: AdminErrorResponseDto, description: 'Would leave no active admin' })
  async remove(@CurrentAdmin() principal: AdminPrincipal, @Param('id') id: string): Promise<void> {
    await this.users.deleteUser(principal, id);
  }
}
