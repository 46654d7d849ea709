import { Injectable, inject } from '@angular/core';
import { allPages } from '../../core/api/paged-list';
import { Remote } from '../../core/api/remote';
import { StudioApi } from '../../core/api/studio-api.service';
import { StudioConnector } from '../../core/api/studio-models';

/** The workspace's own published connectors and their versions. */
@Injectable()
export class ConnectorStudioStore {
  private readonly api = inject(StudioApi);
  readonly connectors = new Remote<StudioConnector[]>();

  load(): Promise<StudioConnector[] | null> {
    return this.connectors.load(allPages((cursor) => this.api.connectors({ limit: 100, cursor })));
  }
}
