import { api } from '../api.js';
import { facts, h, replace } from '../dom.js';
import { errorNotice } from '../errors.js';
import { formatAgo, formatTime, t } from '../i18n.js';
import { unitNames } from '../org.js';
import { deviceActions } from './device-actions.js';
import { inventorySection } from './inventory.js';

/** While a command waits for the device, the page looks again this often ... */
const REFRESH_MS = 5_000;
/** ... but only for a while after someone last asked: an unattended tab must not keep its session alive. */
const WATCH_MS = 10 * 60_000;
const PENDING = new Set(['queued', 'sent', 'not_now']);

/** One device: state, last check-in, placement, actions, command timeline, inventory, profiles, check-ins. */
export function devicePage(main, { session, params: [ref] }) {
  const status = h('div', { id: 'status' });
  const body = h('div', { id: 'device' });
  let gone = false;
  let timer = null;
  let watchUntil = 0;

  const load = async ({ byPerson = true } = {}) => {
    clearTimeout(timer);
    if (byPerson) watchUntil = Date.now() + WATCH_MS;
    try {
      const [detail, names] = await Promise.all([api('GET', `/devices/${encodeURIComponent(ref)}`), unitNames().catch(() => ({ byCode: new Map() }))]);
      if (gone) return;
      replace(body, ...view(detail, names.byCode));
      if (detail.commands.some((c) => PENDING.has(c.status)) && Date.now() < watchUntil) timer = setTimeout(() => load({ byPerson: false }), REFRESH_MS);
    } catch (err) {
      if (!gone) replace(status, errorNotice(err));
    }
  };

  const view = (detail, unitName) => {
    const d = detail.device;
    const place = [detail.placement.school, detail.placement.grade, detail.placement.class].filter(Boolean).map((c) => unitName.get(c) ?? c).join(' › ');
    return [
      h('h1', {}, d.name || d.serialNumber || t('device.fallbackName'), ' ', h('span', { class: `state ${d.state}`, id: 'device-state' }, t(`state.${d.state}`))),
      facts([
        [t('device.serial'), h('span', { class: 'mono', id: 'device-serial' }, d.serialNumber ?? '–')],
        [t('device.lastCheckin'), h('span', { id: 'last-checkin', title: d.lastSeenAt ? formatTime(d.lastSeenAt) : '' }, d.lastSeenAt ? `${formatAgo(d.lastSeenAt)} (${formatTime(d.lastSeenAt)})` : t('never'))],
        [t('device.placement'), place || '–'],
        [t('device.model'), [d.modelName, d.model].filter(Boolean).join(' · ') || '–'],
        [t('device.os'), d.osVersion ? `${d.osVersion}${d.buildVersion ? ` (${d.buildVersion})` : ''}` : '–'],
        [t('device.udid'), h('span', { class: 'mono' }, d.udid ?? '–')],
        [t('device.enrolledAt'), formatTime(d.enrolledAt)],
        detail.apple ? [t('device.push'), t(detail.apple.pushReachable ? 'yes' : 'no')] : [t('device.push'), undefined],
      ]),
      deviceActions(d, { session, status, changed: () => load() }),
      timeline(detail.commands),
      inventorySection(detail.inventory),
      profiles(detail.profiles),
      checkins(detail.recentCheckins),
    ];
  };

  replace(main,
    h('p', {}, h('a', { href: '/console/', 'data-nav': '' }, t('device.back'))),
    status,
    h('div', { class: 'row' }, h('button', { type: 'button', id: 'refresh', onclick: () => load() }, t('device.refresh'))),
    body,
  );
  load();
  return () => {
    gone = true;
    clearTimeout(timer);
  };
}

function table(id, cols, rows) {
  return h('table', { class: 'list', id }, h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, t(c))))), h('tbody', {}, rows));
}

function timeline(commands) {
  return h('section', {},
    h('h2', {}, t('device.timeline')),
    commands.length === 0 ? h('p', {}, t('device.timelineNone')) : table('timeline', ['col.command', 'col.status', 'col.enqueued', 'col.sent', 'col.finished', 'col.by'],
      commands.map((c) => h('tr', { dataset: { requestType: c.requestType, status: c.status, commandUuid: c.commandUuid } },
        h('td', {}, c.requestType),
        h('td', {}, h('span', { class: `status ${c.status}` }, t(`status.${c.status}`)), c.errorChain?.length ? h('div', { class: 'small' }, errorChainText(c.errorChain)) : null),
        h('td', {}, formatTime(c.enqueuedAt)),
        h('td', {}, c.sentAt ? formatTime(c.sentAt) : '–'),
        h('td', {}, c.finishedAt ? formatTime(c.finishedAt) : '–'),
        h('td', {}, c.createdBy ?? '–'),
      ))));
}

function errorChainText(chain) {
  return chain.map((e) => (e && typeof e === 'object' ? [e.ErrorDomain, e.ErrorCode, e.LocalizedDescription].filter((x) => x !== undefined).join(' ') : String(e))).join('; ');
}

function profiles(items) {
  if (!items.length) return null;
  return h('section', {}, h('h2', {}, t('device.profiles')),
    h('ul', { id: 'profiles' }, items.map((p) => h('li', {}, p.displayName || p.identifier, ' – ', t(`profile.${p.status}`)))));
}

function checkins(items) {
  if (!items.length) return null;
  return h('section', {}, h('h2', {}, t('device.checkins')),
    table('checkins', ['col.message', 'col.os', 'col.at'], items.map((c) => h('tr', {}, h('td', {}, c.messageType), h('td', {}, c.osVersion ?? '–'), h('td', {}, formatTime(c.createdAt))))));
}
