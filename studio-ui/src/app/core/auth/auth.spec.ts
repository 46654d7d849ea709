import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { ApiError } from '../api/api-error';
import { authInterceptor } from './auth.interceptor';
import { API_KEY_STORAGE_KEY, SessionStore } from './session.store';

const me = { workspace: { id: 'w1', name: 'Acme' }, role: 'admin', keyName: 'ci' };

describe('SessionStore and authInterceptor', () => {
  let http: HttpTestingController;

  function setup() {
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    return TestBed.inject(SessionStore);
  }

  beforeEach(() => sessionStorage.clear());
  afterEach(() => http.verify());

  it('signs in by checking the key with GET /api/v1/me and keeps it in sessionStorage', async () => {
    const session = setup();
    const done = session.signIn('  fp_live_key  ');
    const req = http.expectOne('/api/v1/me');
    expect(req.request.headers.get('Authorization')).toBe('Bearer fp_live_key');
    req.flush(me);
    await done;
    expect(session.workspaceName()).toBe('Acme');
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBe('fp_live_key');
  });

  it('rejects a key the API does not accept and stores nothing', async () => {
    const session = setup();
    const done = session.signIn('bad');
    http.expectOne('/api/v1/me').flush({ error: { code: 'unauthorized', message: 'Invalid API key' } }, { status: 401, statusText: 'Unauthorized' });
    await expect(done).rejects.toThrow(/not accepted/);
    expect(session.signedIn()).toBe(false);
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBeNull();
  });

  it('asks for a key before calling the API when the field is empty', async () => {
    const session = setup();
    await expect(session.signIn('   ')).rejects.toBeInstanceOf(ApiError);
    http.expectNone('/api/v1/me');
  });

  it('adds the Bearer header to /api calls only', () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'k1');
    setup();
    const client = TestBed.inject(HttpClient);
    client.get('/api/v1/installs').subscribe();
    expect(http.expectOne('/api/v1/installs').request.headers.get('Authorization')).toBe('Bearer k1');
    client.get('/assets/logo.svg').subscribe();
    expect(http.expectOne('/assets/logo.svg').request.headers.has('Authorization')).toBe(false);
  });

  it('sends the user back to sign-in when the API answers 401 mid-session', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'k1');
    const session = setup();
    const router = TestBed.inject(Router);
    const navigate = jest.spyOn(router, 'navigate').mockResolvedValue(true);
    TestBed.inject(HttpClient).get('/api/v1/accounts').subscribe({ error: () => undefined });
    http.expectOne('/api/v1/accounts').flush({ error: { code: 'unauthorized', message: 'Key revoked' } }, { status: 401, statusText: 'Unauthorized' });
    expect(session.signedIn()).toBe(false);
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBeNull();
    expect(navigate).toHaveBeenCalledWith(['/sign-in'], expect.objectContaining({ queryParams: expect.objectContaining({ expired: 1 }) }));
  });

  it('restores the workspace for a stored key and signs out', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'k1');
    const session = setup();
    const navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    const restored = session.restore();
    http.expectOne('/api/v1/me').flush(me);
    expect(await restored).toBe(true);
    expect(session.me()?.workspace.name).toBe('Acme');
    session.signOut();
    expect(session.signedIn()).toBe(false);
    expect(navigate).toHaveBeenCalledWith(['/sign-in']);
  });
});
