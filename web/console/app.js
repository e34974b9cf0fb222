import { api, query, setCsrfToken, whenSignedOut } from './api.js';
import { h, replace } from './dom.js';
import { language, setLanguage, t } from './i18n.js';
import { bulkJobPage } from './views/bulk-job.js';
import { bulkJobsPage } from './views/bulk-jobs.js';
import { devicePage } from './views/device.js';
import { devicesPage } from './views/devices.js';
import { invitePage } from './views/invite.js';
import { signInPage } from './views/sign-in.js';

/**
 * The console shell: one page whose path names the view (history API, no reloads), a header with
 * the signed-in person, navigation, the language switch and sign-out.
 */
const ROUTES = [
  [/^\/console\/devices\/([^/]+)$/, devicePage],
  [/^\/console\/bulk-jobs\/([^/]+)$/, bulkJobPage],
  [/^\/console\/bulk-jobs$/, bulkJobsPage],
  [/^\/console\/?$/, devicesPage],
];

const top = document.getElementById('top');
const main = document.getElementById('main');
/** undefined: not asked yet (a page load); null: known to be signed out. */
let session;
/** Stops what the current view runs in the background (event streams, refresh timers). */
let leaveView = () => {};

export function navigate(path, { replaceState = false } = {}) {
  if (replaceState) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

function header() {
  const switchLanguage = () => {
    setLanguage(language() === 'de' ? 'en' : 'de');
    render();
  };
  const langButton = h('button', { type: 'button', class: 'link', id: 'language', lang: language() === 'de' ? 'en' : 'de', onclick: switchLanguage }, t('lang.other'));
  if (!session) return replace(top, h('span', { class: 'brand' }, 'Slate'), h('span', { class: 'spacer' }), langButton);
  const link = (path, key) => h('a', { href: path, 'data-nav': '' }, t(key));
  const signOut = async () => {
    await api('POST', '/auth/sign-out').catch(() => undefined);
    session = null;
    setCsrfToken('');
    navigate('/console/sign-in?signedOut=1');
  };
  return replace(top,
    h('a', { class: 'brand', href: '/console/', 'data-nav': '' }, 'Slate'),
    h('nav', { 'aria-label': t('nav.main') }, link('/console/', 'nav.devices'), link('/console/bulk-jobs', 'nav.bulkJobs')),
    h('span', { class: 'spacer' }),
    h('span', { class: 'who', id: 'who' }, `${session.email} · ${t(`role.${session.role}`)} · ${session.scope}`),
    langButton,
    h('button', { type: 'button', id: 'sign-out', onclick: signOut }, t('nav.signOut')),
  );
}

async function render() {
  leaveView();
  leaveView = () => {};
  const path = location.pathname;
  if (path === '/console/invite') {
    header();
    leaveView = invitePage(main, { signedIn: started, hash: location.hash.slice(1) }) ?? leaveView;
    return;
  }
  if (session === undefined) {
    try {
      session = await api('GET', '/auth/session');
      setCsrfToken(session.csrfToken);
    } catch {
      session = null;
    }
  }
  if (path === '/console/sign-in' || !session) {
    if (session) return navigate('/console/', { replaceState: true });
    if (path !== '/console/sign-in') history.replaceState(null, '', `/console/sign-in${query({ next: path + location.search })}`);
    header();
    const params = new URLSearchParams(location.search);
    leaveView = signInPage(main, { signedIn: started, signedOut: params.has('signedOut'), expired: params.has('expired') }) ?? leaveView;
    return;
  }
  header();
  for (const [pattern, view] of ROUTES) {
    const m = pattern.exec(path);
    if (m) {
      leaveView = view(main, { session, params: m.slice(1).map(decodeURIComponent), search: new URLSearchParams(location.search), navigate }) ?? leaveView;
      return;
    }
  }
  navigate('/console/', { replaceState: true });
}

/** After sign-in or a redeemed invite: the page that was asked for, else the device search. */
function started(newSession) {
  session = newSession;
  const next = new URLSearchParams(location.search).get('next');
  // Only a path of this console: `next` comes from the address bar, which anyone can link to.
  navigate(next && /^\/console\/[\w\-/?=&%.]*$/.test(next) ? next : '/console/', { replaceState: true });
}

whenSignedOut(() => {
  if (!session) return;
  session = null;
  setCsrfToken('');
  navigate(`/console/sign-in?expired=1&next=${encodeURIComponent(location.pathname + location.search)}`, { replaceState: true });
});

document.addEventListener('click', (e) => {
  const a = e.target instanceof Element ? e.target.closest('a[data-nav]') : null;
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', render);
render();
