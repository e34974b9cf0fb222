import { h } from '../dom.js';
import { formatTime, t } from '../i18n.js';

/** Long lists (installed apps, certificates) are cut here; the API has them all. */
const MAX_ITEMS = 300;
const MAX_DEPTH = 4;

/**
 * The latest answer per inventory kind, as the device reported it. Devices choose every key and
 * value, so everything is shown as text, nested structures as nested lists.
 */
export function inventorySection(inventory) {
  const kinds = Object.keys(inventory).sort();
  return h('section', { id: 'inventory' },
    h('h2', {}, t('device.inventory')),
    kinds.length === 0 ? h('p', {}, t('device.inventoryNone')) : kinds.map((kind) => h('details', { open: kind === 'DeviceInformation' },
      h('summary', {}, kind, ' ', h('small', {}, t('device.inventoryUpdated', { at: formatTime(inventory[kind].updatedAt) }))),
      value(inventory[kind].data, 0),
    )),
  );
}

function value(v, depth) {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'object') return String(v);
  if (depth >= MAX_DEPTH) return JSON.stringify(v).slice(0, 200);
  if (Array.isArray(v)) {
    const shown = v.slice(0, MAX_ITEMS);
    return h('ol', { class: 'inventory-list' }, shown.map((item) => h('li', {}, value(item, depth + 1))), v.length > MAX_ITEMS ? h('li', {}, `… (+${v.length - MAX_ITEMS})`) : null);
  }
  return h('dl', { class: 'facts inventory' }, Object.entries(v).slice(0, MAX_ITEMS).map(([k, x]) => [h('dt', {}, k), h('dd', {}, value(x, depth + 1))]));
}
