import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { KaosError } from '@kaosnet/common';
import { ShutdownState } from '../shutdown-state.js';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly shutdown: ShutdownState,
  ) {}

  /** 200 when the server and its database answer; 503 while draining or when the database is down. */
  @Get('healthcheck')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Server and database are ready', schema: { example: { status: 'ok' } } })
  @ApiServiceUnavailableResponse({ description: 'Draining, or the database does not answer' })
  async healthcheck(): Promise<{ status: 'ok' }> {
    if (this.shutdown.draining) throw KaosError.unavailable('Server is shutting down');
    try {
      await this.dataSource.query('SELECT 1');
    } catch (cause) {
      throw KaosError.unavailable('Database is not ready', { cause });
    }
    return { status: 'ok' };
  }
}
