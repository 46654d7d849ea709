import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { FlowsApi } from './flows-api.service';
import { RunsApi } from './runs-api.service';

describe('FlowsApi (draft, versions, runs) and RunsApi', () => {
  let http: HttpTestingController;
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => http.verify());

  it('FlowsApi saves, publishes, activates, deactivates, rotates the token, runs, tests and reads resync', () => {
    const api = TestBed.inject(FlowsApi);
    const calls: Array<[() => void, string, string, unknown]> = [
      [() => api.save('f 1', { name: 'A', trigger: { type: 'manual' }, steps: [] }).subscribe(), 'PUT', '/api/v1/flows/f%201', { name: 'A', trigger: { type: 'manual' }, steps: [] }],
      [() => api.publish('f1').subscribe(), 'POST', '/api/v1/flows/f1/publish', {}],
      [() => api.activate('f1').subscribe(), 'POST', '/api/v1/flows/f1/activate', {}],
      [() => api.activate('f1', 3).subscribe(), 'POST', '/api/v1/flows/f1/activate', { version: 3 }],
      [() => api.deactivate('f1').subscribe(), 'POST', '/api/v1/flows/f1/deactivate', {}],
      [() => api.rotateWebhookToken('f1').subscribe(), 'POST', '/api/v1/flows/f1/webhook-token', {}],
      [() => api.run('f1', { a: 1 }).subscribe(), 'POST', '/api/v1/flows/f1/runs', { input: { a: 1 } }],
      [() => api.test('f1').subscribe(), 'POST', '/api/v1/flows/f1/test', {}],
      [() => api.resync('f1').subscribe(), 'GET', '/api/v1/flows/f1/resync', null],
    ];
    for (const [send, method, url, body] of calls) {
      send();
      const req = http.expectOne(url);
      expect(req.request.method).toBe(method);
      expect(req.request.body).toEqual(body);
      req.flush({});
    }
  });

  it('RunsApi lists with filters (leaving out empty ones), reads a run and its logs, replays', () => {
    const api = TestBed.inject(RunsApi);
    api.list({ flowId: 'f1', status: 'failed', from: '2026-11-25T09:00:00.000Z', externalId: '', limit: 25, cursor: null }).subscribe();
    const list = http.expectOne((r) => r.url === '/api/v1/runs');
    expect(list.request.params.keys().sort()).toEqual(['flowId', 'from', 'limit', 'status']);
    list.flush({ items: [], nextCursor: null });
    api.get('r1').subscribe();
    http.expectOne('/api/v1/runs/r1').flush({});
    api.logs('r1').subscribe();
    http.expectOne('/api/v1/runs/r1/logs').flush({ runId: 'r1', items: [] });
    api.replay('r1').subscribe();
    expect(http.expectOne('/api/v1/runs/r1/replay').request.body).toEqual({});
    api.replay('r1', ['m1']).subscribe();
    expect(http.expectOne('/api/v1/runs/r1/replay').request.body).toEqual({ messageIds: ['m1'] });
  });
});
