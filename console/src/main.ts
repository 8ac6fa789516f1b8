// The console's shell: sign-in, navigation by URL fragment, and the polling loop that keeps the
// current page live. Pages render into <main>; the shell owns everything around it.
import { appServiceSession, isAdmin, restoreSession, session, setUnauthorisedHandler, signIn, signOut } from './api.js';
import { h } from './dom.js';
import { noRefresh, type Page, type PageContext } from './page.js';
import { certificatesPage } from './pages/certificates.js';
import { fleetPage } from './pages/fleet.js';
import { operationsPage } from './pages/operations.js';
import { signInPage } from './pages/signin.js';
import { workspacePage } from './pages/workspace.js';

const POLL_MS = 2000;

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
const statusLine = document.getElementById('poll-status') as HTMLElement;
const announcer = document.getElementById('announcer') as HTMLElement;

let page: Page | undefined;
let timer: number | undefined;
let generation = 0;

function announce(message: string): void {
  // Clearing first makes screen readers repeat a message identical to the last one.
  announcer.textContent = '';
  window.setTimeout(() => (announcer.textContent = message), 50);
}

function route(): { name: string; arg?: string } {
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const arg = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  return { name: name || 'fleet', ...(arg === undefined ? {} : { arg }) };
}

function renderChrome(): void {
  const s = session();
  const current = route().name;
  const link = (hash: string, label: string, key: string) =>
    h('li', {}, h('a', { href: hash, ...(current === key ? { 'aria-current': 'page' } : {}) }, label));
  nav.replaceChildren(
    ...(s
      ? [h('ul', {}, link('#/fleet', 'Fleet', 'fleet'), link('#/certificates', 'Certificates', 'certificates'), link('#/operations', 'Operations', 'operations'))]
      : []),
  );
  who.replaceChildren();
  if (!s) return;
  who.append(
    h('span', { class: 'who-name' }, s.subject),
    h('span', { class: `badge ${isAdmin(s) ? 'info' : 'muted'}`, 'data-testid': 'role' }, isAdmin(s) ? 'admin' : 'reader'),
  );
  // App Service owns its session (sign out there is /.auth/logout); a pasted token is ours to forget.
  if (s.source === 'pasted') who.append(h('button', { type: 'button', class: 'link', onclick: () => leave() }, 'Sign out'));
}

function leave(): void {
  signOut();
  location.hash = '#/signin';
}

function stopPolling(): void {
  if (timer !== undefined) window.clearTimeout(timer);
  timer = undefined;
}

async function tick(mine: number): Promise<void> {
  if (!page || mine !== generation) return;
  if (document.hidden) {
    timer = window.setTimeout(() => void tick(mine), POLL_MS);
    return;
  }
  try {
    await page.refresh();
    if (mine !== generation) return;
    statusLine.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    statusLine.classList.remove('error');
  } catch (err) {
    if (mine !== generation) return;
    statusLine.textContent = `Update failed: ${(err as Error).message}`;
    statusLine.classList.add('error');
  }
  if (mine === generation) timer = window.setTimeout(() => void tick(mine), POLL_MS);
}

function show(): void {
  stopPolling();
  const mine = ++generation;
  const s = session();
  const r = route();
  if (!s && r.name !== 'signin') {
    location.hash = '#/signin';
    return;
  }
  if (s && r.name === 'signin') {
    location.hash = '#/fleet';
    return;
  }
  renderChrome();
  const ctx: PageContext = { admin: isAdmin(s), announce, refreshSoon: () => void refreshNow(mine) };
  switch (r.name) {
    case 'signin':
      page = signInPage({ onSignedIn: () => (location.hash = '#/fleet') });
      break;
    case 'workspace':
      page = workspacePage(ctx, r.arg ?? '');
      break;
    case 'certificates':
      page = certificatesPage(ctx);
      break;
    case 'operations':
      page = operationsPage(ctx);
      break;
    default:
      page = fleetPage(ctx);
  }
  document.title = `${page.title} · DICOM Private Link console`;
  main.replaceChildren();
  page.mount(main);
  // Moving focus to the new page's content tells screen readers that the view changed.
  if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
  statusLine.textContent = '';
  if (page.refresh !== noRefresh) void tick(mine);
}

async function refreshNow(mine: number): Promise<void> {
  if (mine !== generation) return;
  stopPolling();
  await tick(mine);
}

async function start(): Promise<void> {
  setUnauthorisedHandler(() => {
    if (route().name !== 'signin') location.hash = '#/signin';
  });
  if (!restoreSession()) {
    const fromAppService = await appServiceSession();
    if (fromAppService) signIn(fromAppService);
  }
  window.addEventListener('hashchange', show);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && page) void refreshNow(generation);
  });
  show();
}

void start();
