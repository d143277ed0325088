import { Injectable } from '@nestjs/common';

/** Set when shutdown begins, so health checks and new sessions can refuse early. */
@Injectable()
export class ShutdownState {
  draining = false;
}
