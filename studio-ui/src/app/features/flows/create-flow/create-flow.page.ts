import { ChangeDetectionStrategy, Component, OnInit, computed, inject, input } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { StoreConnector } from '../../../core/api/models';
import { JsonSchemaForm } from '../../../shared/json-schema-form/json-schema-form';
import { ConnectorIcon } from '../../../shared/ui/connector-icon';
import { ErrorAlert } from '../../../shared/ui/error-alert';
import { KindBadge } from '../../../shared/ui/kind-badge';
import { RequestState } from '../../../shared/ui/request-state';
import { IssuedWebhookTokens } from '../issued-webhook-tokens';
import { PlatformTriggerOption } from '../platform-triggers';
import { CreateFlowStore, WizardStep } from './create-flow.store';

@Component({
  selector: 'fp-create-flow-page',
  imports: [RouterLink, JsonSchemaForm, ConnectorIcon, KindBadge, RequestState, ErrorAlert],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './create-flow.page.html',
  styleUrl: './create-flow.page.scss',
})
export class CreateFlowPage implements OnInit {
  protected readonly wizard = inject(CreateFlowStore);
  private readonly router = inject(Router);
  private readonly issuedTokens = inject(IssuedWebhookTokens);

  /** `?account=<id>`: back from creating an account in the middle of step 3. */
  readonly account = input<string>();

  protected readonly steps: Array<{ n: WizardStep | 4; label: string }> = [
    { n: 1, label: 'Name' },
    { n: 2, label: 'Trigger' },
    { n: 3, label: 'Configure' },
    { n: 4, label: 'Design' },
  ];

  protected readonly selectedConnector = computed(() => {
    const s = this.wizard.source();
    return s?.type === 'connector' ? s.connector : null;
  });
  protected readonly selectedPlatform = computed(() => {
    const s = this.wizard.source();
    return s?.type === 'platform' ? s.option : null;
  });
  /** Where "Create account" returns to: this wizard, which then selects the new account. */
  protected readonly accountReturnUrl = '/flows/new';

  ngOnInit(): void {
    const returning = this.account();
    if (returning && this.wizard.step() === 3 && this.wizard.source()?.type === 'connector') {
      void this.wizard.loadAccounts().then(() => this.wizard.selectAccount(returning));
      return;
    }
    this.wizard.reset();
  }

  protected continueFromName(): void {
    if (this.wizard.continueFromName()) focusHeading();
  }

  protected pickConnector(connector: StoreConnector): void {
    this.wizard.chooseSource({ type: 'connector', connector });
  }

  protected pickPlatform(option: PlatformTriggerOption): void {
    this.wizard.chooseSource({ type: 'platform', option });
  }

  protected continueFromSource(): void {
    if (this.wizard.continueFromSource()) focusHeading();
  }

  protected back(): void {
    const step = this.wizard.step();
    if (step > 1) this.wizard.step.set((step - 1) as WizardStep);
    focusHeading();
  }

  protected async create(): Promise<void> {
    const flow = await this.wizard.create();
    if (flow) {
      this.wizard.reset();
      this.issuedTokens.keep(flow.id, flow.webhookToken);
      await this.router.navigate(['/flows', flow.id]);
    } else {
      // Move focus to the first message so keyboard and screen-reader users land on it.
      setTimeout(() => document.querySelector<HTMLElement>('.wizard [aria-invalid="true"], .wizard .alert-error')?.focus(), 0);
    }
  }
}

function focusHeading(): void {
  setTimeout(() => document.getElementById('wizard-step-title')?.focus(), 0);
}
