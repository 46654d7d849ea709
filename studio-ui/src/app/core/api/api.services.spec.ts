import { HttpErrorResponse, provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { AccountsApi } from './accounts-api.service';
import { ApiError, normalizePath, toApiError } from './api-error';
import { FlowsApi } from './flows-api.service';
import { InstallsApi } from './installs-api.service';
import { allPages } from './paged-list';
import { RegistryApi } from './registry-api.service';
import { StoreApi } from './store-api.service';

describe('core/api services', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('StoreApi.connectors sends search and category and leaves out empty filters', async () => {
    const result = firstValueFrom(TestBed.inject(StoreApi).connectors({ q: 'sqs', category: '', limit: 24, cursor: null }));
    const req = http.expectOne((r) => r.url === '/api/v1/store/connectors');
    expect(req.request.method).toBe('GET');
    expect(req.request.params.get('q')).toBe('sqs');
    expect(req.request.params.get('limit')).toBe('24');
    expect(req.request.params.has('category')).toBe(false);
    expect(req.request.params.has('cursor')).toBe(false);
    req.flush({ items: [{ name: 'amazon-sqs' }], nextCursor: null });
    expect((await result).items[0].name).toBe('amazon-sqs');
  });

  it('StoreApi.triggers filters by kind and connector', () => {
    TestBed.inject(StoreApi).triggers({ kind: 'stream', connector: 'amazon-sqs', cursor: 'c2' }).subscribe();
    const req = http.expectOne((r) => r.url === '/api/v1/store/triggers');
    expect(req.request.params.get('kind')).toBe('stream');
    expect(req.request.params.get('connector')).toBe('amazon-sqs');
    expect(req.request.params.get('cursor')).toBe('c2');
    req.flush({ items: [], nextCursor: null });
  });

  it('RegistryApi encodes connector names and versions into the path', () => {
    const api = TestBed.inject(RegistryApi);
    api.connector('@acme/sqs').subscribe();
    http.expectOne('/api/v1/registry/connectors/%40acme%2Fsqs').flush({});
    api.version('amazon-sqs', '1.2.0').subscribe();
    http.expectOne('/api/v1/registry/connectors/amazon-sqs/versions/1.2.0').flush({});
  });

  it('InstallsApi installs (with and without a version), pins a version and uninstalls', () => {
    const api = TestBed.inject(InstallsApi);
    api.install('amazon-sqs', '1.2.0').subscribe();
    let req = http.expectOne('/api/v1/installs');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ connector: 'amazon-sqs', version: '1.2.0' });
    req.flush({});
    api.install('amazon-sqs').subscribe();
    expect(http.expectOne('/api/v1/installs').request.body).toEqual({ connector: 'amazon-sqs' });
    api.changeVersion('amazon-sqs', '1.3.0').subscribe();
    req = http.expectOne('/api/v1/installs/amazon-sqs');
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ version: '1.3.0' });
    req.flush({});
    api.uninstall('amazon-sqs').subscribe();
    expect(http.expectOne('/api/v1/installs/amazon-sqs').request.method).toBe('DELETE');
  });

  it('AccountsApi lists by connector, creates, tests and deletes', () => {
    const api = TestBed.inject(AccountsApi);
    api.list({ connector: 'amazon-sqs' }).subscribe();
    expect(http.expectOne((r) => r.url === '/api/v1/accounts').request.params.get('connector')).toBe('amazon-sqs');
    api.create({ connector: 'amazon-sqs', account: 'aws', name: 'Prod', values: { region: 'eu-west-1' } }).subscribe();
    const create = http.expectOne('/api/v1/accounts');
    expect(create.request.method).toBe('POST');
    expect(create.request.body.values).toEqual({ region: 'eu-west-1' });
    api.test('acc 1').subscribe();
    const test = http.expectOne('/api/v1/accounts/acc%201/test');
    expect(test.request.method).toBe('POST');
    api.remove('acc1').subscribe();
    expect(http.expectOne('/api/v1/accounts/acc1').request.method).toBe('DELETE');
  });

  it('FlowsApi creates a flow and reads one by id', () => {
    const api = TestBed.inject(FlowsApi);
    api.create({ name: 'Orders', trigger: { type: 'manual' }, steps: [] }).subscribe();
    const req = http.expectOne('/api/v1/flows');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ name: 'Orders', trigger: { type: 'manual' }, steps: [] });
    api.get('f1').subscribe();
    http.expectOne('/api/v1/flows/f1');
  });

  it('allPages follows nextCursor until the last page', async () => {
    const api = TestBed.inject(InstallsApi);
    const all = firstValueFrom(allPages((cursor) => api.list({ limit: 1, cursor })));
    http.expectOne((r) => r.url === '/api/v1/installs' && !r.params.has('cursor')).flush({ items: [{ connector: 'a' }], nextCursor: 'n1' });
    http.expectOne((r) => r.url === '/api/v1/installs' && r.params.get('cursor') === 'n1').flush({ items: [{ connector: 'b' }], nextCursor: null });
    expect((await all).map((i) => i.connector)).toEqual(['a', 'b']);
  });
});

describe('toApiError', () => {
  it('keeps the API message, code and field details', () => {
    const err = toApiError(
      new HttpErrorResponse({
        status: 422,
        error: { error: { code: 'validation', message: 'Account values are invalid', details: [{ path: '/values/region', message: 'must be one of eu-west-1' }] } },
      }),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.code).toBe('validation');
    expect(err.message).toBe('Account values are invalid');
    expect(err.fieldErrors('values')).toEqual({ region: 'must be one of eu-west-1' });
  });

  it('explains an unreachable API instead of a bare status 0', () => {
    const err = toApiError(new HttpErrorResponse({ status: 0, statusText: 'Unknown Error' }));
    expect(err.message).toMatch(/could not be reached/);
  });

  it('names the status when the body is not an API error', () => {
    expect(toApiError(new HttpErrorResponse({ status: 502, statusText: 'Bad Gateway', error: '<html>' })).message).toBe(
      'The Flowport API answered 502 Bad Gateway.',
    );
  });

  it('normalizes JSON-pointer and bracket paths', () => {
    expect(normalizePath('/trigger/props/queueUrl')).toBe('trigger.props.queueUrl');
    expect(normalizePath('steps[0].name')).toBe('steps.0.name');
  });
});
