import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject } from '@angular/core';
import { RouterLink } from '@angular/router';
import { FlowsApi } from '../../core/api/flows-api.service';
import { FlowSummary } from '../../core/api/models';
import { PagedList } from '../../core/api/paged-list';
import { RequestState } from '../../shared/ui/request-state';
import { describeTrigger, statusBadgeClass } from './flow-format';

@Component({
  selector: 'fp-flows-page',
  imports: [RouterLink, DatePipe, RequestState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './flows.page.html',
})
export class FlowsPage implements OnInit {
  private readonly api = inject(FlowsApi);
  protected readonly flows = new PagedList<FlowSummary>();
  protected readonly describeTrigger = describeTrigger;
  protected readonly statusBadgeClass = statusBadgeClass;

  ngOnInit(): void {
    void this.load();
  }

  protected load(): Promise<void> {
    return this.flows.reload((cursor) => this.api.list({ limit: 50, cursor }));
  }
}
