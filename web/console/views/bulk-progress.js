import { h } from '../dom.js';
import { t } from '../i18n.js';

export const COUNTS = ['queued', 'sent', 'acknowledged', 'error', 'notNow', 'cancelled', 'expired'];

/** Commands with a final answer (acknowledged, error, cancelled, expired), out of the job's total. */
export const answered = (job) => job.counts.acknowledged + job.counts.error + job.counts.cancelled + job.counts.expired;

export function progressBar(job) {
  return h('progress', { max: Math.max(job.total, 1), value: job.total ? answered(job) : 1, 'aria-label': t('bulk.answered', { n: answered(job), total: job.total }) });
}
