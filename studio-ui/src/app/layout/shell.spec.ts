import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { settle } from '../../testing/fixtures';
import { SessionStore } from '../core/auth/session.store';
import { Shell } from './shell';

describe('Shell', () => {
  it('shows the workspace, the main navigation and signs out', async () => {
    sessionStorage.setItem('flowport.apiKey', 'k1');
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    const http = TestBed.inject(HttpTestingController);
    const session = TestBed.inject(SessionStore);
    const restored = session.restore();
    http.expectOne('/api/v1/me').flush({ workspace: { id: 'w', name: 'Acme Corp' }, role: 'admin', keyName: 'k' });
    await restored;
    const navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);

    const fixture = TestBed.createComponent(Shell);
    await settle(fixture);
    const el: HTMLElement = fixture.nativeElement;
    expect(el.querySelector('[data-testid=workspace-name]')?.textContent).toContain('Acme Corp');
    const links = [...el.querySelectorAll<HTMLAnchorElement>('nav[aria-label=Main] a')];
    expect(links.map((a) => a.getAttribute('aria-label'))).toEqual(['Connector Studio', 'Store', 'Accounts', 'Flows', 'Executions']);
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['/studio', '/store', '/accounts', '/flows', '/executions']);

    [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.includes('Sign out'))!.click();
    expect(session.signedIn()).toBe(false);
    expect(sessionStorage.getItem('flowport.apiKey')).toBeNull();
    expect(navigate).toHaveBeenCalledWith(['/sign-in']);
    http.verify();
  });
});
