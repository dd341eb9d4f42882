import { InvalidArgumentError } from 'commander';

export interface NumberRule {
  integer?: boolean;
  min?: number;
  /** The value must be greater than this. */
  exclusiveMin?: number;
  max?: number;
  /** The value must be less than this. */
  exclusiveMax?: number;
  /** What the value must be, said in place of the rule that failed: `--port must be <expected>`. */
  expected?: string;
}

/** The first rule the value breaks, said as what it must be; undefined when it keeps them all. */
function brokenRule(n: number, rule: NumberRule): string | undefined {
  if (rule.integer && !Number.isInteger(n)) return 'a whole number';
  if (rule.min !== undefined && n < rule.min) return `at least ${rule.min}`;
  if (rule.exclusiveMin !== undefined && n <= rule.exclusiveMin) return `greater than ${rule.exclusiveMin}`;
  if (rule.max !== undefined && n > rule.max) return `at most ${rule.max}`;
  if (rule.exclusiveMax !== undefined && n >= rule.exclusiveMax) return `less than ${rule.exclusiveMax}`;
  return undefined;
}

/** The commander argument parser of every number option; a bad value is a usage error (exit 2). */
export function numberOption(name: string, rule: NumberRule = {}): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    const broken = value.trim() === '' || !Number.isFinite(n) ? 'a number' : brokenRule(n, rule);
    if (broken !== undefined) throw new InvalidArgumentError(`${name} must be ${rule.expected ?? broken}`);
    return n;
  };
}
