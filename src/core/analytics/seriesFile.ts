/**
 * A series to check for change points, in the format of the Turing Change Point Dataset
 * (github.com/alan-turing-institute/TCPD, schema.json): `{"series": [{"raw": [numbers or null]}, …]}`.
 * Each entry of `series` is one dimension of the same series; `name`, `n_obs`, `time` and the
 * entries' `label` are optional, and `n_obs`, when given, must be the length.
 */
import fs from 'node:fs';
import type { SeriesValue } from './changePoints';

/** The most values a file may hold over all its dimensions (a fit keeps a few arrays of this size). */
export const MAX_SERIES_VALUES = 1_000_000;

export interface SeriesFile {
  name: string | null;
  /** One array per dimension, all of the same length. */
  dimensions: SeriesValue[][];
  labels: (string | null)[];
}

/** A file that is not a series: the message names the place in it and what was expected. */
export class SeriesFileError extends Error {}

/** Reads and checks a series file. */
export function readSeriesFile(file: string): SeriesFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SeriesFileError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SeriesFileError(`${file} is not JSON: ${(err as Error).message}`);
  }
  try {
    return parseSeries(json);
  } catch (err) {
    if (err instanceof SeriesFileError) throw new SeriesFileError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Checks a parsed series object. */
export function parseSeries(json: unknown): SeriesFile {
  if (!isObject(json)) throw new SeriesFileError('expected an object with a "series" array');
  const series = json.series;
  if (!Array.isArray(series) || series.length === 0) throw new SeriesFileError('"series" must be a non-empty array of {"raw": [...]}');
  const dimensions: SeriesValue[][] = [];
  const labels: (string | null)[] = [];
  let total = 0;
  series.forEach((entry: unknown, d) => {
    if (!isObject(entry) || !Array.isArray(entry.raw)) throw new SeriesFileError(`series[${d}] must be an object with a "raw" array`);
    total += entry.raw.length;
    if (total > MAX_SERIES_VALUES) throw new SeriesFileError(`more than ${MAX_SERIES_VALUES} values`);
    dimensions.push(entry.raw.map((v: unknown, i) => valueAt(v, `series[${d}].raw[${i}]`)));
    labels.push(typeof entry.label === 'string' ? entry.label : null);
  });
  const length = dimensions[0].length;
  dimensions.forEach((dim, d) => {
    if (dim.length !== length) throw new SeriesFileError(`series[${d}].raw has ${dim.length} values, series[0].raw ${length}: every dimension needs the same length`);
  });
  if (json.n_obs !== undefined && json.n_obs !== length) throw new SeriesFileError(`"n_obs" is ${JSON.stringify(json.n_obs)} but the series have ${length} values`);
  return { name: typeof json.name === 'string' ? json.name : null, dimensions, labels };
}

function valueAt(value: unknown, where: string): SeriesValue {
  if (value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new SeriesFileError(`${where} is ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}, not a number or null`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
