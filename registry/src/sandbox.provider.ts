import { FactoryProvider, Logger, OnApplicationShutdown } from '@nestjs/common';
import * as sandboxPackage from '@flowport/sandbox';
import { CONNECTOR_SANDBOX, ConnectorSandbox } from './sandbox';

type PoolClass = new () => ConnectorSandbox & { dispose?(): Promise<void> | void; close?(): Promise<void> | void };

/** The process-wide SandboxPool from @flowport/sandbox, disposed on shutdown. */
export const SandboxProvider: FactoryProvider<ConnectorSandbox> = {
  provide: CONNECTOR_SANDBOX,
  useFactory: () => {
    const Pool = (sandboxPackage as unknown as { SandboxPool?: PoolClass }).SandboxPool;
    if (!Pool) throw new Error('@flowport/sandbox does not export SandboxPool; build the sandbox package (npm run build)');
    const pool = new Pool();
    const hook: OnApplicationShutdown = {
      onApplicationShutdown: async () => {
        try {
          await (pool.dispose ?? pool.close)?.call(pool);
        } catch (err) {
          new Logger('Sandbox').warn(`Sandbox pool did not shut down cleanly: ${String(err)}`);
        }
      },
    };
    return Object.assign(pool, hook);
  },
};
