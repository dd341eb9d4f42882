import crypto from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseTimestamp } from '../time';

/** The JUnit XML writers we recognise; each names the skill its suites are recorded under. */
export type JUnitDialect = 'pytest' | 'jest' | 'vitest' | 'go' | 'surefire' | 'generic';

export const DIALECT_SKILLS: Record<JUnitDialect, string> = {
  pytest: 'pytest-run',
  jest: 'jest-run',
  vitest: 'vitest-run',
  go: 'go-test',
  surefire: 'maven-test',
  generic: 'junit-tests',
};

/**
 * One test suite. Its name is kept only for the caller to hash: suite names are often file paths
 * (jest, vitest) or package paths (go), and paths are never stored.
 */
export interface JUnitSuite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  durationSeconds: number;
  /** When the suite started, if the report says (canonical UTC). */
  startedAt?: string;
  /**
   * What makes this suite run itself, for the caller to hash: its name, timestamp and host and a
   * digest of its content. Two reports whose suites share a name (pytest always writes "pytest")
   * are two runs; the same file imported twice is one.
   */
  identity: string;
}

export interface JUnitReport {
  dialect: JUnitDialect;
  suites: JUnitSuite[];
}

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped', 'property'].includes(name),
});

/** Parses a JUnit XML report; throws a clear error for anything that is not one. */
export function parseJUnit(xml: string): JUnitReport {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  const doc = parser.parse(xml) as XmlNode;
  const root = (doc.testsuites ?? doc.testsuite) as XmlNode | XmlNode[] | undefined;
  if (!root) throw new Error('not a JUnit report: no <testsuites> or <testsuite> element');
  const suites: JUnitSuite[] = [];
  const roots = Array.isArray(root) ? root : [root];
  const isSingleSuite = doc.testsuites === undefined;
  for (const node of roots) {
    if (isSingleSuite) collectSuite(node, suites);
    else for (const suite of children(node, 'testsuite')) collectSuite(suite, suites);
  }
  return { dialect: detectDialect(doc, roots, isSingleSuite), suites };
}

/** A suite that only wraps other suites (Ant style, some go reports) is not counted itself. */
function collectSuite(node: XmlNode, out: JUnitSuite[]): void {
  const nested = children(node, 'testsuite');
  if (nested.length > 0 && children(node, 'testcase').length === 0) {
    for (const child of nested) collectSuite(child, out);
    return;
  }
  const cases = children(node, 'testcase');
  const counted = (tag: string) => cases.filter((c) => children(c, tag).length > 0).length;
  const caseTime = cases.reduce((sum, c) => sum + (seconds(attr(c, 'time')) ?? 0), 0);
  const startedAt = suiteStart(attr(node, 'timestamp'));
  const name = attr(node, 'name') ?? '';
  const digest = crypto.createHash('sha256').update(JSON.stringify(node)).digest('hex');
  out.push({
    identity: [name, attr(node, 'timestamp') ?? '', attr(node, 'hostname') ?? '', digest].join('\u0000'),
    name,
    tests: count(attr(node, 'tests')) ?? cases.length,
    failures: count(attr(node, 'failures')) ?? counted('failure'),
    errors: count(attr(node, 'errors')) ?? counted('error'),
    skipped: count(attr(node, 'skipped')) ?? count(attr(node, 'disabled')) ?? counted('skipped'),
    durationSeconds: seconds(attr(node, 'time')) ?? caseTime,
    ...(startedAt ? { startedAt } : {}),
  });
}

function detectDialect(doc: XmlNode, roots: XmlNode[], isSingleSuite: boolean): JUnitDialect {
  const rootName = isSingleSuite ? '' : (attr(doc.testsuites as XmlNode, 'name') ?? '').toLowerCase();
  if (rootName.startsWith('jest')) return 'jest';
  if (rootName.startsWith('vitest')) return 'vitest';
  const suites = isSingleSuite ? roots : roots.flatMap((r) => children(r, 'testsuite'));
  const properties = suites.flatMap((s) => children(s, 'properties').flatMap((p) => children(p, 'property')));
  const propertyNames = properties.map((p) => attr(p, 'name') ?? '');
  if (propertyNames.includes('go.version')) return 'go';
  const schema = suites.map((s) => attr(s, 'xsi:noNamespaceSchemaLocation') ?? '').join(' ');
  if (schema.includes('surefire') || propertyNames.some((n) => n.startsWith('maven.') || n.startsWith('surefire.'))) return 'surefire';
  if (suites.some((s) => attr(s, 'name') === 'pytest')) return 'pytest';
  return 'generic';
}

function children(node: unknown, tag: string): XmlNode[] {
  if (!node || typeof node !== 'object') return [];
  const value = (node as XmlNode)[tag];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (v && typeof v === 'object' ? (v as XmlNode) : {}));
}

function attr(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

function count(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Seconds; some writers group thousands with commas ("1,234.567"). */
function seconds(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.replace(/,/g, ''));
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Suite timestamps often carry no zone; they were written on the machine that ran the tests,
 * which is usually the one importing them, so they are read as local time. A timestamp that
 * cannot be read is ignored (the suite is then placed just before the import).
 */
function suiteStart(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed);
  try {
    if (zoned) return parseTimestamp(trimmed);
    const local = new Date(trimmed.replace(' ', 'T'));
    return Number.isNaN(local.getTime()) ? undefined : local.toISOString();
  } catch {
    return undefined;
  }
}
