import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { SessionStore } from '../core/auth/session.store';

interface NavItem {
  path: string;
  label: string;
  icon: string;
}

/** The signed-in frame: top bar (workspace, sign out) and the left navigation. */
@Component({
  selector: 'fp-shell',
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './shell.html',
  styleUrl: './shell.scss',
})
export class Shell {
  protected readonly session = inject(SessionStore);
  protected readonly nav: NavItem[] = [
    { path: '/studio', label: 'Connector Studio', icon: 'M4 5h16v4H4zM4 11h7v8H4zM13 11h7v8h-7z' },
    { path: '/store', label: 'Store', icon: 'M4 7l2-3h12l2 3v2a3 3 0 0 1-5 2 3 3 0 0 1-6 0 3 3 0 0 1-5-2zM5 12v8h14v-8' },
    { path: '/accounts', label: 'Accounts', icon: 'M8 11a4 4 0 1 1 0-8 4 4 0 0 1 0 8zM2 21a6 6 0 0 1 12 0M15 8h6M18 5v6' },
    { path: '/flows', label: 'Flows', icon: 'M5 4h4v4H5zM15 10h4v4h-4zM5 16h4v4H5zM9 6h3a2 2 0 0 1 2 2v4h1M9 18h3a2 2 0 0 0 2-2v-4' },
    { path: '/executions', label: 'Executions', icon: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3 3' },
  ];
}
