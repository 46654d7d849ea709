export * from './studio.module';
export * from './studio.service';
export * from './stack-map';
export * from './dto/studio.dto';
