// The live map of an edition (issue 19): each country shaded by its total in a few
// steps, the edition's regions where it brings their shapes, each active country's
// figure on the map, a legend with the figures, and a table of the same numbers for
// screen readers and small screens. Shapes are drawn once; a snapshot only changes
// classes and texts. Uses the globals of d3-geo and topojson-client (classic scripts).
'use strict';

import { counted, fill, item, node } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 960;
const STEPS = 4;
// The map zooms to the countries with actions, but never closer than this many degrees
// (one small country filling a screen tells the room nothing of where it lies).
const MIN_SPAN = { lon: 36, lat: 22 };
const LABELS = 12; // figures drawn on the map (the table has them all)
const ANTARCTICA = '010';

/** A round number at least `x`: 1, 2, 2.5 or 5 × 10^k. */
function ceilNice(x) {
  const base = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 2.5, 5, 10].map((m) => m * base).find((v) => v >= x);
}

/** The upper bounds of the shading steps for a highest total `max`: round, rising. */
export function stepBounds(max) {
  const bounds = [];
  for (let i = 1; i < STEPS; i += 1) {
    const b = Math.floor(ceilNice((max * i) / STEPS));
    if (b >= 1 && b < max && (bounds.length === 0 || b > bounds[bounds.length - 1])) bounds.push(b);
  }
  bounds.push(Math.max(1, max));
  return bounds;
}

/**
 * Which step a total falls in: 0 for none, STEPS for the highest; with fewer bounds
 * than steps (small totals) the lightest steps are left out, so the highest total is
 * always drawn darkest.
 */
function stepOf(total, bounds) {
  if (!total) return 0;
  const i = bounds.findIndex((b) => total <= b);
  return STEPS - bounds.length + 1 + (i < 0 ? bounds.length - 1 : i);
}

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/** The largest polygon of a feature, where its label goes (France, not its ocean). */
function mainPart(feature) {
  const g = feature.geometry;
  if (!g || g.type !== 'MultiPolygon') return feature;
  let best = null;
  let area = -1;
  for (const coordinates of g.coordinates) {
    const part = { type: 'Polygon', coordinates };
    const a = d3.geoArea(part);
    if (a > area) { area = a; best = part; }
  }
  return best;
}

export class LiveMap {
  /** `figure` is the map's section (templates/_map.html); `fmt` formats a number. */
  constructor(figure, { fmt, lang }) {
    this.figure = figure;
    this.fmt = fmt;
    this.words = JSON.parse(figure.dataset.words);
    this.svg = figure.querySelector('svg');
    this.legend = figure.querySelector('.map-legend');
    this.rows = figure.querySelector('tbody');
    this.names = new Intl.DisplayNames([lang, 'en'], { type: 'region', fallback: 'code' });
    this.countries = new Map(); // alpha-2 -> {path (or dot), title, part (where the label goes)}
    this.regions = new Map(); // "FR/Bretagne" -> {path, title, country, name}
    this.snap = null;
    this.ready = this.load().then(() => { if (this.snap) this.update(this.snap); });
  }

  async load() {
    const get = (url) => fetch(url).then((r) => (r.ok ? r.json() : null));
    const [world, codes, small, regions] = await Promise.all([
      get(this.figure.dataset.world), get(this.figure.dataset.codes),
      get(this.figure.dataset.small), get(this.figure.dataset.regions).catch(() => null)]);
    const alpha2 = new Map(codes.map(([a2, , num]) => [num, a2]));
    this.land = topojson.feature(world, world.objects.countries).features
      .filter((f) => f.id !== ANTARCTICA);
    // The drawing takes the shape of the room it is given (the screen's panel), or a
    // world's proportions where the page gives it none (/e/<id>).
    const box = this.svg.parentElement.getBoundingClientRect();
    const tall = box.width > 0 && box.height > 80 ? box.height / box.width : 0.5;
    this.height = Math.round(WIDTH * Math.min(1, Math.max(0.45, tall)));
    this.svg.setAttribute('viewBox', `0 0 ${WIDTH} ${this.height}`);
    this.path = d3.geoPath(d3.geoNaturalEarth1());
    this.fitted = null;
    const countryLayer = svg('g', { class: 'map-countries' });
    const regionLayer = svg('g', { class: 'map-regions' });
    this.labelLayer = svg('g', { class: 'map-labels', 'aria-hidden': 'true' });
    this.shapes = []; // [path element, feature], redrawn when the view moves
    for (const feature of this.land) {
      const code = alpha2.get(feature.id);
      const el = svg('path', { class: 'map-country' });
      if (code) {
        el.dataset.country = code;
        const title = svg('title');
        el.append(title);
        this.countries.set(code, { path: el, title, part: mainPart(feature) });
      }
      this.shapes.push([el, feature]);
      countryLayer.append(el);
    }
    // Countries too small for these shapes (Singapore, Malta, …) are a dot, shown once
    // they have actions.
    this.dots = [];
    for (const [id, lonLat] of Object.entries(small || {})) {
      const code = alpha2.get(id);
      if (!code || this.countries.has(code)) continue;
      const el = svg('circle', { r: 9, class: 'map-country map-dot' });
      el.dataset.country = code;
      const title = svg('title');
      el.append(title);
      const part = { type: 'Point', coordinates: lonLat };
      this.countries.set(code, { path: el, title, part });
      this.dots.push([el, lonLat]);
      regionLayer.append(el);
    }
    for (const [code, shapes] of Object.entries((regions && regions.regions) || {})) {
      for (const feature of shapes.features) {
        const name = feature.properties.name;
        const el = svg('path', { class: 'map-region' });
        this.shapes.push([el, feature]);
        el.dataset.country = code;
        el.dataset.region = name;
        const title = svg('title');
        el.append(title);
        regionLayer.append(el);
        this.regions.set(`${code}/${name}`, { path: el, title, country: code, name });
      }
    }
    this.svg.replaceChildren(countryLayer, regionLayer, this.labelLayer);
    this.frame([]);
    this.loaded = true;
  }

  /** Frame the countries with actions (the world when there are none), redrawing only
   *  when that set changed. */
  frame(codes) {
    const key = codes.slice().sort().join(' ');
    if (key === this.fitted) return;
    this.fitted = key;
    let target = { type: 'FeatureCollection', features: this.land };
    if (codes.length) {
      const parts = codes.map((c) => this.countries.get(c).part);
      let [[w, s], [e, n]] = d3.geoBounds({ type: 'GeometryCollection', geometries: parts });
      if (e < w) [w, e] = [-180, 180]; // across the antimeridian: show the whole width
      const grow = (lo, hi, min) => {
        const pad = Math.max(0, (min - (hi - lo)) / 2);
        return [lo - pad, hi + pad];
      };
      [w, e] = grow(w, e, MIN_SPAN.lon);
      [s, n] = grow(s, n, MIN_SPAN.lat);
      [s, n] = [Math.max(-85, s), Math.min(85, n)];
      target = { type: 'MultiPoint', coordinates: [[w, s], [e, s], [e, n], [w, n],
                                                    [(w + e) / 2, s], [(w + e) / 2, n]] };
    }
    const m = 0.04 * WIDTH;
    this.path.projection().fitExtent([[m, m], [WIDTH - m, this.height - m]], target);
    this.path = d3.geoPath(this.path.projection());
    for (const [el, feature] of this.shapes) el.setAttribute('d', this.path(feature) || '');
    for (const [el, lonLat] of this.dots) {
      const [x, y] = this.path.projection()(lonLat);
      el.setAttribute('cx', x.toFixed(1));
      el.setAttribute('cy', y.toFixed(1));
    }
  }

  /** Shade and label the map, the legend and the table from an edition snapshot. */
  update(snap) {
    this.snap = snap;
    const countries = snap.countries || {};
    const regions = snap.regions || {};
    const regionTotals = Object.values(regions).flatMap((r) => Object.values(r));
    const max = Math.max(0, ...Object.values(countries), ...regionTotals);
    const bounds = stepBounds(max);
    this.drawLegend(bounds, max);
    this.drawTable(countries, regions);
    if (!this.loaded) return;
    for (const [code, c] of this.countries) {
      const total = countries[code] || 0;
      c.path.dataset.step = String(stepOf(total, bounds));
      c.path.dataset.total = String(total);
      c.title.textContent = this.placeText(this.names.of(code), total);
    }
    for (const r of this.regions.values()) {
      const total = (regions[r.country] || {})[r.name] || 0;
      r.path.dataset.step = String(stepOf(total, bounds));
      r.path.dataset.total = String(total);
      r.title.textContent = this.placeText(r.name, total);
    }
    const active = Object.entries(countries).filter(([code]) => this.countries.has(code))
      .sort((a, b) => b[1] - a[1]);
    this.frame(active.map(([code]) => code));
    this.labelLayer.replaceChildren(...active.slice(0, LABELS).map(([code, total]) => {
      const { part } = this.countries.get(code);
      const [x, cy] = this.path.centroid(part);
      const y = part.type === 'Point' ? cy - 28 : cy; // above a small country's dot
      const label = svg('text', { x: x.toFixed(1), y: y.toFixed(1), class: 'map-label' });
      label.dataset.country = code;
      label.textContent = this.fmt(total);
      return label;
    }));
  }

  placeText(place, total) {
    return total ? fill(counted(this.words.of, total), { place, n: this.fmt(total) }) : `${place}: ${this.words.none}`;
  }

  drawLegend(bounds, max) {
    const items = [node('li', { 'data-step': '0' }, item('span', 'swatch', ''), this.words.none)];
    if (max > 0) {
      bounds.forEach((b, i) => {
        const lo = i === 0 ? 1 : bounds[i - 1] + 1;
        const text = lo === b ? this.fmt(b) : `${this.fmt(lo)}–${this.fmt(b)}`;
        items.push(node('li', { 'data-step': String(stepOf(b, bounds)) },
          item('span', 'swatch', ''), text));
      });
    }
    this.legend.replaceChildren(...items);
  }

  drawTable(countries, regions) {
    const rows = [];
    for (const [code, total] of Object.entries(countries).sort((a, b) => b[1] - a[1])) {
      rows.push(node('tr', { 'data-country': code },
        item('th', '', this.names.of(code)), item('td', 'count', this.fmt(total))));
      for (const [name, n] of Object.entries(regions[code] || {}).sort((a, b) => b[1] - a[1])) {
        rows.push(node('tr', { 'data-country': code, 'data-region': name, className: 'sub' },
          item('th', '', name), item('td', 'count', this.fmt(n))));
      }
    }
    if (rows.length === 0) {
      rows.push(node('tr', { className: 'empty' }, node('td', { colSpan: 2, text: this.words.empty })));
    }
    this.rows.replaceChildren(...rows);
  }
}
