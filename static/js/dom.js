// Small DOM and formatting helpers shared by the pages. Nodes are built with
// createElement and textContent only: text typed by participants and hosts never goes
// through innerHTML.
'use strict';

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** The page's language (<html lang>), or undefined for the browser's own. */
export const pageLang = () => document.documentElement.lang || undefined;

// Props that are set as attributes: they have no property of the same name (maxlength),
// or the property means something else than the markup (href resolves, type may refuse).
const ATTRIBUTES = new Set(['type', 'href', 'name', 'placeholder', 'maxlength']);
const MARKUP = new Set(['innerHTML', 'outerHTML']);

/**
 * An element with props and children: `text` is its textContent, names with a dash
 * (data-*, aria-*) and a few markup names are attributes, anything else is a property.
 * Children that are falsy are left out; strings become text nodes.
 */
export function node(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (MARKUP.has(key)) throw new Error(`node(): no ${key}, use text`);
    if (key === 'text') el.textContent = value;
    else if (key.includes('-') || ATTRIBUTES.has(key)) el.setAttribute(key, value);
    else el[key] = value;
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

/** A text-only element with an optional class. */
export function item(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  el.textContent = text;
  return el;
}

/** Set an element's text only when it changed (no layout work for nothing). */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

/**
 * The pattern of a counted phrase for `n`: `forms` maps CLDR plural categories to
 * patterns (marathon/web/i18n.py `plural_forms`), so Polish gets "listy" for 3 and
 * "listów" for 5. A plain string (one pattern for every count) is returned as it is.
 */
export function counted(forms, n, lang = pageLang()) {
  if (typeof forms === 'string') return forms;
  return forms[new Intl.PluralRules(lang).select(n)] ?? forms.other;
}

/** Put values into a translated pattern such as "{n} letters for {case}". */
export function fill(pattern, values) {
  return pattern.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

/** The value → text of a <select>'s options (its labels in the page's language). */
export function optionLabels(options) {
  const map = {};
  for (const option of options) map[option.value] = option.textContent.trim();
  return map;
}

/** A number formatter for a language: `numbers('fr')(1234)` is "1 234". */
export function numbers(lang = pageLang(), options = undefined) {
  const format = new Intl.NumberFormat(lang, options);
  return (n) => format.format(n);
}

/** "7" → "07" (or to `width` digits). */
export function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

/**
 * A duration as "02:15:09". With `words` ({day, days}), days are split off in front
 * ("2 days 03:00:00"); without, the hours simply go on ("51:00:00").
 */
export function clock(ms, words) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const days = words ? Math.floor(s / 86_400) : 0;
  const hms = `${pad(Math.floor((s - days * 86_400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  if (days === 0) return hms;
  return `${days === 1 ? words.day : fill(counted(words.days, days), { n: days })} ${hms}`;
}
