import { api } from '../api.js';
import { h, notice, replace } from '../dom.js';
import { errorNotice } from '../errors.js';
import { formatTime, t } from '../i18n.js';
import { answered, COUNTS, progressBar } from './bulk-progress.js';

/**
 * One bulk job's progress, live: the server's event stream sends the job whenever its counts
 * change and `done` when every device has answered. EventSource reconnects by itself after a
 * dropped connection; the stream is closed when the job is done or the view is left.
 */
export function bulkJobPage(main, { params: [id] }) {
  const status = h('div', { id: 'status' });
  const body = h('div', { id: 'bulk-job' });
  let stream = null;
  let gone = false;

  const show = (job) => {
    replace(body,
      h('h1', {}, t('bulk.job', { action: job.action, unit: job.unit })),
      h('p', {}, progressBar(job), ' ', h('span', { id: 'answered' }, t('bulk.answered', { n: answered(job), total: job.total }))),
      h('dl', { class: 'counts', id: 'counts' }, COUNTS.map((c) => h('div', { dataset: { count: c } }, h('dt', {}, t(`count.${c}`)), h('dd', {}, String(job.counts[c]))))),
      h('p', { class: 'small' }, `${job.requestType} · ${formatTime(job.createdAt)}${job.createdBy ? ` · ${job.createdBy}` : ''}`),
    );
    replace(status, notice(job.done ? 'ok' : 'info', t(job.done ? 'bulk.done' : 'bulk.running')));
    body.dataset.done = String(job.done);
  };

  const follow = () => {
    stream = new EventSource(`/api/v1/bulk-jobs/${encodeURIComponent(id)}/events`);
    stream.addEventListener('progress', (e) => show(JSON.parse(e.data)));
    stream.addEventListener('done', () => stream.close());
    stream.addEventListener('error', () => {
      // Closed for good (e.g. the session ended): one GET tells why, and signs out if it has to.
      if (stream.readyState === EventSource.CLOSED) api('GET', `/bulk-jobs/${encodeURIComponent(id)}`).then(show, (err) => replace(status, errorNotice(err)));
      else replace(status, notice('info', t('bulk.reconnecting')));
    });
  };

  replace(main, h('p', {}, h('a', { href: '/console/bulk-jobs', 'data-nav': '' }, t('bulk.back'))), status, body);
  api('GET', `/bulk-jobs/${encodeURIComponent(id)}`).then((job) => {
    if (gone) return;
    show(job);
    if (!job.done) follow();
  }, (err) => !gone && replace(status, errorNotice(err)));
  return () => {
    gone = true;
    stream?.close();
  };
}
