import { api } from './api.js';

/**
 * The caller's part of the organisation tree, fetched once per page load: it names schools in
 * lists and fills the school filter. Units change rarely; a reload picks up new ones.
 */
let units = null;

export async function orgUnits() {
  units ??= api('GET', '/org/units').then((r) => r.items).catch((err) => {
    units = null;
    throw err;
  });
  return units;
}

export async function unitNames() {
  const byId = new Map();
  const byCode = new Map();
  for (const u of await orgUnits()) {
    byId.set(u.id, u.name);
    byCode.set(u.code, u.name);
  }
  return { byId, byCode };
}
