export * from './entities';
export * from './sandbox';
export * from './sandbox.provider';
export * from './integrity';
export * from './registry.service';
export * from './registry.module';
export * from './dto/registry.dto';
export * from './migrations';
