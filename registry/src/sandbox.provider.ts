import { FLOWPORT_CONFIG } from '@flowport/core';
import type { FlowportConfig } from '@flowport/core';
import { SandboxPool } from '@flowport/sandbox';
import type { FactoryProvider, OnApplicationShutdown } from '@nestjs/common';
import { CONNECTOR_SANDBOX } from './sandbox';

/** The process-wide SandboxPool, closed when the application shuts down. */
export const SandboxProvider: FactoryProvider<SandboxPool & OnApplicationShutdown> = {
  provide: CONNECTOR_SANDBOX,
  inject: [FLOWPORT_CONFIG],
  useFactory: (config: FlowportConfig) => {
    const pool = new SandboxPool({ allowPrivateNetwork: config.sandboxAllowPrivateNetwork });
    return Object.assign(pool, { onApplicationShutdown: () => pool.close() });
  },
};
