import { MESSAGES } from './messages.js';

const STORAGE_KEY = 'slate.console.lang';
export const LANGUAGES = ['de', 'en'];

/** A choice made with the switch wins; else English for English browsers, German for everyone else. */
function initialLanguage() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // storage can be off (privacy settings): the browser's language decides
  }
  if (LANGUAGES.includes(stored)) return stored;
  return (navigator.language || '').toLowerCase().startsWith('en') ? 'en' : 'de';
}

let lang = initialLanguage();

export const language = () => lang;

export function setLanguage(next) {
  if (!LANGUAGES.includes(next)) return;
  lang = next;
  document.documentElement.lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // the choice then lasts for this page only
  }
}

/** The text for `key` with `{name}` placeholders filled in (as text: callers put it into textContent). */
export function t(key, vars = {}) {
  const text = MESSAGES[lang][key] ?? MESSAGES.de[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] === undefined || vars[name] === null ? '' : String(vars[name])));
}

const locale = () => (lang === 'de' ? 'de-DE' : 'en-GB');

export function formatTime(iso) {
  if (!iso) return t('never');
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}

/** "vor 5 Minuten" / "5 minutes ago". */
export function formatAgo(iso, now = Date.now()) {
  if (!iso) return t('never');
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86400), 'day');
}

document.documentElement.lang = lang;
