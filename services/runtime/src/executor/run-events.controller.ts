import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { ExecutorService } from './executor.service';
import { RUN_QUEUED } from './run-events';

/** The RabbitMQ side of run wake-ups: active once the process connects the runtime's RMQ server. */
@Controller()
export class RunEventsController {
  constructor(private readonly executor: ExecutorService) {}

  @EventPattern(RUN_QUEUED)
  queued(_event: { runIds: string[] }): void {
    this.executor.wake();
  }
}
