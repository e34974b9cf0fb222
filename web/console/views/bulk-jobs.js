import { api } from '../api.js';
import { h, notice, replace } from '../dom.js';
import { errorNotice } from '../errors.js';
import { formatTime, t } from '../i18n.js';
import { answered, progressBar } from './bulk-progress.js';

/** Recent bulk jobs in the caller's scope, each linking to its live progress. */
export function bulkJobsPage(main) {
  const list = h('div', { id: 'bulk-jobs' });
  let gone = false;
  replace(main, h('h1', {}, t('bulk.title')), list);
  api('GET', '/bulk-jobs?limit=50').then(({ items }) => {
    if (gone) return;
    if (!items.length) return replace(list, notice('info', t('bulk.none')));
    const cols = ['col.action', 'col.unit', 'col.progress', 'col.created', 'col.by'];
    replace(list, h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, t(c))))),
      h('tbody', {}, items.map((j) => h('tr', {},
        h('td', {}, h('a', { href: `/console/bulk-jobs/${encodeURIComponent(j.id)}`, 'data-nav': '' }, `${j.action} (${j.requestType})`)),
        h('td', {}, j.unit),
        h('td', {}, progressBar(j), ' ', t('bulk.answered', { n: answered(j), total: j.total })),
        h('td', {}, formatTime(j.createdAt)),
        h('td', {}, j.createdBy ?? '–'),
      )))));
  }, (err) => !gone && replace(list, errorNotice(err)));
  return () => (gone = true);
}
