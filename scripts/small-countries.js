// Write static/vendor/small-countries.json: where to put a marker for each country too
// small for the 1:110m shapes the live map draws (Singapore, Malta, Bahrain, …):
// {ISO 3166 numeric id: [longitude, latitude]}, the centre of its largest island in the
// 1:50m shapes. Run by scripts/setup.sh; the output is data, the app reads no 50m file.
'use strict';

const fs = require('fs');
const path = require('path');
const topojson = require('topojson-client');
const d3 = require('d3-geo');

const atlas = (scale) => require(`world-atlas/countries-${scale}.json`);
const drawn = new Set(atlas('110m').objects.countries.geometries.map((g) => g.id));
const fine = atlas('50m');
const out = {};
for (const feature of topojson.feature(fine, fine.objects.countries).features) {
  if (!feature.id || drawn.has(feature.id)) continue;
  const g = feature.geometry;
  const parts = g.type === 'MultiPolygon'
    ? g.coordinates.map((coordinates) => ({ type: 'Polygon', coordinates })) : [g];
  const largest = parts.reduce((a, b) => (d3.geoArea(b) > d3.geoArea(a) ? b : a));
  out[feature.id] = d3.geoCentroid(largest).map((v) => Math.round(v * 100) / 100);
}
const target = path.join(__dirname, '..', 'static', 'vendor', 'small-countries.json');
fs.writeFileSync(target, `${JSON.stringify(out)}\n`);
