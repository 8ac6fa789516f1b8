// The operator console in a real browser against the single-machine control plane: an operator signs
// in, creates a workspace, approves its customer's private endpoint and watches it become Ready, reads
// a plan diff, rotates a certificate, follows operations; a reader sees the same pages without
// controls. Screenshots of each page land in test-artifacts/console/.
import type { BrowserContext, Page } from 'playwright-core';
import { mintLocalToken } from '../../local/admin-token';
import { LOCAL_PLS_ID, localServices, type LocalServices } from '../../local/azure/local-services';
import { REPO, startHost, tempDir, type HostProcess } from '../support/host-process';
import { DESKTOP, launch, openTab, PHONE, screenshot, signIn, text, until } from './browser';
import { privateTlsPolicy } from '../support/certificates';

const CUSTOMER_SUBSCRIPTION = '99999999-0000-0000-0000-000000000000';

let host: HostProcess;
let local: LocalServices;
let browser: BrowserContext;
let adminToken: string;
let readerToken: string;
let admin: Page;
let adminErrors: string[];

beforeAll(async () => {
  const dataDir = tempDir('console');
  local = await localServices(dataDir, {});
  host = await startHost({ app: REPO, dataDir, env: { DPL_MODE: 'local', DATA_DIR: dataDir, SWEEP_SCHEDULE: '0 0 0 1 1 *' } });
  adminToken = await mintLocalToken(dataDir, ['PrivateLink.Admin'], 'operator@console-test');
  readerToken = await mintLocalToken(dataDir, ['PrivateLink.Reader'], 'auditor@console-test');
  await local.vault.create('private-tls', 'private-tls', privateTlsPolicy());
  browser = await launch();
  ({ page: admin, errors: adminErrors } = await openTab(browser));
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

afterEach(() => {
  expect(adminErrors.splice(0)).toEqual([]);
});

const rowState = (page: Page, ws: string) => text(page, `tr[data-workspace="${ws}"] [data-testid="state"]`);

test('an operator signs in with a pasted token; a bad token is refused with a message', async () => {
  await admin.goto(`${host.url}/console`);
  expect(new URL(admin.url()).pathname).toBe('/console/');
  await admin.getByLabel('Bearer token').fill('not-a-token');
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.getByRole('alert').filter({ hasText: 'not a JWT' }).waitFor();
  const forged = await mintLocalToken(tempDir('other-key'), ['PrivateLink.Admin']);
  await admin.getByLabel('Bearer token').fill(forged);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.getByRole('alert').filter({ hasText: 'refused this token' }).waitFor();
  await screenshot(admin, 'signin-refused');

  await signIn(admin, host.url, adminToken);
  expect(await text(admin, '[data-testid="role"]')).toBe('admin');
  expect(await admin.evaluate('Object.keys(sessionStorage)')).toEqual(['dpl.console.token']);
  await screenshot(admin, 'signed-in-empty-fleet');
});

test('create a workspace, a customer connects, the operator approves: Pending becomes Ready', async () => {
  await admin.getByText('New workspace').click();
  await admin.getByLabel('Name', { exact: true }).fill('cardio');
  await admin.getByRole('button', { name: 'Create workspace' }).click();
  await until(async () => (await rowState(admin, 'cardio')) === 'Ready', 'cardio to be listed as Ready');

  // The customer's side: a private endpoint on our Private Link Service asking for this workspace.
  local.privateLinkService.createEndpoint({ privateLinkServiceId: LOCAL_PLS_ID, endpointName: 'pe-cardio', requestingSubscription: CUSTOMER_SUBSCRIPTION, workspace: 'cardio' });
  await until(async () => (await rowState(admin, 'cardio')) === 'Pending', 'the fleet to show cardio Pending');
  expect(await text(admin, 'tr[data-workspace="cardio"]')).toContain('1 connection awaiting approval');
  expect(await text(admin, '[data-testid="count-Pending"]')).toBe('1');
  await screenshot(admin, 'fleet-desktop');
  await admin.setViewportSize(PHONE);
  expect(await admin.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
  await screenshot(admin, 'fleet-phone');
  await admin.setViewportSize(DESKTOP);

  await admin.getByRole('link', { name: 'cardio', exact: true }).click();
  await admin.getByRole('heading', { name: 'Workspace cardio' }).waitFor();
  await until(async () => (await text(admin, '[data-testid="workspace-state"]')) === 'Pending', 'the workspace page to show Pending');
  const approve = admin.getByRole('button', { name: /^Approve pe-cardio\./ });
  await approve.click();
  await admin.getByRole('status').filter({ hasText: 'done' }).first().waitFor();
  // The private path is added by a staged flip that waits out the DNS TTL (5 s locally): the page
  // shows the wait and when it ends.
  await until(async () => (await text(admin, '[data-testid="flip-step"]')) === 'wait', 'the flip to wait out the TTL');
  expect(await text(admin, '[data-testid="flip-next"]')).toMatch(/\(in \d+ s\)/);
  await screenshot(admin, 'workspace-flipping');
  await until(async () => (await text(admin, '[data-testid="workspace-state"]')) === 'Ready', 'the workspace to become Ready after approval', 60_000);
  const connections = await text(admin, 'section[aria-labelledby="h-connections"]');
  expect(connections).toContain('Approved');
  expect(await text(admin, 'section[aria-labelledby="h-routes"]')).toContain('cardio-dicom.privatelink.dicom.localtest');
  expect(await text(admin, 'section[aria-labelledby="h-flip"]')).toContain('settled');
  expect(await text(admin, 'section[aria-labelledby="h-ops"]')).toContain('ws:cardio');
});

test('a drifted DNS record shows up in the dry run as a diff', async () => {
  const zone = 'privatelink.local.dicom.localtest';
  const record = (await local.privateDns.get({ zone, name: 'cardio-dicom', type: 'CNAME' }))!;
  await local.privateDns.put({ ...record.value, ttl: 300 });
  const plan = admin.locator('section[aria-labelledby="h-plan"]');
  await until(async () => (await plan.locator('del').count()) > 0, 'the plan to show the drift');
  expect(await plan.locator('del').allTextContents()).toContain('- ttl: 300');
  expect(await plan.locator('ins').allTextContents()).toContain('+ ttl: 5');
  expect(await text(admin, '[data-testid="plan-summary"]')).toMatch(/1 to update/);
  expect(await plan.locator('[data-action="update"][data-kind="dns"]').count()).toBe(1);
  await screenshot(admin, 'workspace-desktop');
  await admin.setViewportSize(PHONE);
  await screenshot(admin, 'workspace-phone');
  await admin.setViewportSize(DESKTOP);

  // The operator fixes it from the console; the diff disappears.
  await admin.getByRole('button', { name: 'Reconcile now' }).click();
  await until(async () => (await plan.textContent())?.includes('Nothing to change'), 'the reconcile to repair the record');
});

test('rotating a certificate adds a version to the timeline and its rollout completes', async () => {
  await admin.getByRole('link', { name: 'Certificates', exact: true }).click();
  await admin.getByRole('heading', { name: 'Certificates', level: 1 }).waitFor();
  const bars = admin.locator('svg.timeline rect.bar');
  await until(async () => (await bars.count()) === 1, 'one version on the timeline');
  expect(await admin.locator('svg.timeline').getAttribute('role')).toBe('img');
  expect(await text(admin, '[data-testid="rollout"]')).toContain('never rotated');
  await screenshot(admin, 'certificates-before-rotation');

  await admin.getByRole('button', { name: 'Rotate private-tls' }).click();
  await until(async () => (await bars.count()) === 2, 'a second version on the timeline');
  await until(async () => (await text(admin, '[data-testid="rollout"]')).includes('Completed'), 'the rollout to complete');
  expect(await admin.locator('svg.timeline rect.bar.current').count()).toBe(1);
  expect(await admin.locator('table.versions tbody tr').count()).toBe(2);
  await screenshot(admin, 'certificates-desktop');
  await admin.setViewportSize(PHONE);
  await until(async () => Number(await admin.locator('svg.timeline').getAttribute('width')) <= PHONE.width, 'the timeline redrawn for a phone');
  await screenshot(admin, 'certificates-phone');
  await admin.setViewportSize(DESKTOP);
});

test('operations list orchestrations with their history', async () => {
  await admin.getByRole('link', { name: 'Operations', exact: true }).click();
  await admin.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
  expect(await admin.getByLabel('Show', { exact: true }).inputValue()).toBe('attention');
  await admin.getByLabel('Show', { exact: true }).selectOption('all');
  await until(async () => (await admin.locator('tr[data-instance="cert:private-tls"]').count()) === 1, 'the rotation in the list');
  const toggle = admin.getByRole('button', { name: 'Show history of ws:cardio' });
  await toggle.click();
  await until(async () => (await text(admin, 'tr.detail')).includes('ExecutionStarted'), 'the history of ws:cardio');
  expect(await admin.getByRole('button', { name: 'Hide history of ws:cardio' }).getAttribute('aria-expanded')).toBe('true');
  await admin.getByLabel('Show', { exact: true }).selectOption('failed');
  await until(async () => (await text(admin, 'main')).includes('No operations (failed or terminated)'), 'the failed filter');
  await admin.getByLabel('Show', { exact: true }).selectOption('all');
  await until(async () => (await admin.locator('tr[data-instance]').count()) >= 2, 'every operation again');
  await screenshot(admin, 'operations-desktop');
  await admin.setViewportSize(PHONE);
  await screenshot(admin, 'operations-phone');
  await admin.setViewportSize(DESKTOP);
});

test('keyboard: sorting by keyboard, and polling keeps focus where it was', async () => {
  await admin.getByRole('link', { name: 'Fleet', exact: true }).click();
  await admin.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
  await admin.locator('#fleet-table').waitFor();
  const sortByName = admin.getByRole('button', { name: /^Workspace/ });
  await sortByName.focus();
  await admin.keyboard.press('Enter');
  await until(async () => (await admin.locator('th:has(button.sort) >> nth=0').getAttribute('aria-sort')) === 'ascending', 'ascending sort by name');
  await admin.keyboard.press('Enter');
  await until(async () => (await admin.locator('th:has(button.sort) >> nth=0').getAttribute('aria-sort')) === 'descending', 'descending sort by name');
  // A second workspace changes the data, so the next poll re-renders the table under the focus.
  local.privateLinkService.createEndpoint({ privateLinkServiceId: LOCAL_PLS_ID, endpointName: 'pe-cardio-2', requestingSubscription: CUSTOMER_SUBSCRIPTION, workspace: 'cardio' });
  await until(async () => (await rowState(admin, 'cardio')) === 'Pending', 'the re-render after the new connection');
  expect(await admin.evaluate('document.activeElement?.dataset.focusKey')).toBe('sort-name');
  await admin.getByLabel('Filter', { exact: true }).fill('nothing-matches');
  expect(await text(admin, 'main')).toContain('No workspace matches the filter.');
  await admin.getByLabel('Filter', { exact: true }).fill('card');
  await admin.locator('tr[data-workspace="cardio"]').waitFor();
});

test('a reader sees every page and no admin control', async () => {
  const { page: reader, errors } = await openTab(browser);
  await signIn(reader, host.url, readerToken);
  expect(await text(reader, '[data-testid="role"]')).toBe('reader');
  await reader.locator('tr[data-workspace="cardio"]').waitFor();
  expect(await reader.getByText('New workspace').count()).toBe(0);
  await screenshot(reader, 'reader-fleet');

  await reader.getByRole('link', { name: 'cardio', exact: true }).click();
  await until(async () => (await text(reader, 'section[aria-labelledby="h-connections"]')).includes('Pending'), 'the pending connection, read-only');
  expect(await reader.getByRole('button', { name: /approve|reject|reconcile/i }).count()).toBe(0);
  await screenshot(reader, 'reader-workspace');

  await reader.getByRole('link', { name: 'Certificates', exact: true }).click();
  await until(async () => (await reader.locator('svg.timeline rect.bar').count()) === 2, 'the timeline for a reader');
  expect(await reader.getByRole('button', { name: /rotate/i }).count()).toBe(0);
  await screenshot(reader, 'reader-certificates');

  // Hiding is a courtesy: the API itself refuses a reader (403).
  const status = await reader.evaluate(async (token) => (await fetch('/api/certificates/private-tls/rotate', { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status, readerToken);
  expect(status).toBe(403);

  await reader.getByRole('button', { name: 'Sign out' }).click();
  await reader.getByLabel('Bearer token').waitFor();
  expect(await reader.evaluate('sessionStorage.length')).toBe(0);
  expect(errors).toEqual([]);
  await reader.close();
});
