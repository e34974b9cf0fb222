import { api, query } from '../api.js';
import { h, notice, replace } from '../dom.js';
import { errorNotice } from '../errors.js';
import { formatAgo, formatTime, t } from '../i18n.js';
import { orgUnits } from '../org.js';

const STATES = ['pending', 'enrolled', 'lost', 'wiped', 'retired'];

/**
 * Device search: by serial, UDID or part of the name, filtered by school and state. The filter
 * lives in the address (?q=&school=&state=) so that back and reload show the same list.
 */
export function devicesPage(main, { search, navigate }) {
  const q = h('input', { id: 'q', name: 'q', type: 'search', value: search.get('q') ?? '', maxlength: 100, autocomplete: 'off', placeholder: t('devices.q'), 'aria-label': t('devices.q') });
  const school = h('select', { id: 'school', name: 'school', 'aria-label': t('devices.school') }, h('option', { value: '' }, t('devices.allSchools')));
  const state = h('select', { id: 'state', name: 'state', 'aria-label': t('devices.state') },
    h('option', { value: '' }, t('devices.allStates')), STATES.map((s) => h('option', { value: s, selected: search.get('state') === s }, t(`state.${s}`))));
  const results = h('div', { id: 'results' });
  let schoolNames = new Map();
  let gone = false;

  const submit = (e) => {
    e.preventDefault();
    const text = q.value.trim();
    if (text.length === 1) return replace(results, notice('error', t('devices.qTooShort')));
    navigate(`/console/${query({ q: text, school: school.value, state: state.value })}`);
  };

  const load = async (cursor, table) => {
    const filter = { q: search.get('q') || undefined, school: search.get('school') || undefined, state: search.get('state') || undefined };
    const page = await api('GET', `/devices${query({ ...filter, cursor, limit: 50 })}`);
    if (gone) return;
    if (!table) {
      if (!page.items.length) return replace(results, notice('info', t('devices.none')));
      table = deviceTable();
      replace(results, table);
    }
    const body = table.tBodies[0];
    for (const d of page.items) body.append(deviceRow(d, schoolNames));
    results.querySelector('.more')?.remove();
    if (page.nextCursor) {
      const more = h('button', { type: 'button', class: 'more', onclick: () => load(page.nextCursor, table).catch(show) }, t('devices.more'));
      results.append(more);
    }
  };
  const show = (err) => !gone && replace(results, errorNotice(err));

  replace(main,
    h('h1', {}, t('devices.title')),
    h('form', { class: 'search', role: 'search', onsubmit: submit }, q, school, state, h('button', { type: 'submit', class: 'primary', id: 'find' }, t('devices.find'))),
    results,
  );
  orgUnits().then((units) => {
    if (gone) return;
    schoolNames = new Map(units.map((u) => [u.id, u.name]));
    for (const u of units.filter((x) => x.kind === 'school')) school.append(h('option', { value: u.code, selected: search.get('school') === u.code }, u.name));
  }).catch(() => undefined).finally(() => load(undefined, null).catch(show));
  q.focus();
  return () => (gone = true);
}

function deviceTable() {
  const cols = ['col.name', 'col.serial', 'col.model', 'col.os', 'col.state', 'col.lastSeen', 'col.school'];
  return h('table', { class: 'list', id: 'device-list' }, h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, t(c))))), h('tbody'));
}

function deviceRow(d, schoolNames) {
  const href = `/console/devices/${encodeURIComponent(d.id)}`;
  return h('tr', { dataset: { serial: d.serialNumber ?? '' } },
    h('td', {}, h('a', { href, 'data-nav': '' }, d.name || d.serialNumber || d.id)),
    h('td', { class: 'mono' }, d.serialNumber ?? '–'),
    h('td', {}, d.modelName || d.model || '–'),
    h('td', {}, d.osVersion ?? '–'),
    h('td', {}, h('span', { class: `state ${d.state}` }, t(`state.${d.state}`))),
    h('td', { title: d.lastSeenAt ? formatTime(d.lastSeenAt) : '' }, formatAgo(d.lastSeenAt)),
    h('td', {}, schoolNames.get(d.schoolId) ?? '–'),
  );
}
