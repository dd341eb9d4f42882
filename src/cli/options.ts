import { InvalidArgumentError } from 'commander';

export interface NumberRule {
  integer?: boolean;
  min?: number;
  /** The value must be greater than this. */
  exclusiveMin?: number;
}

/** A commander argument parser for a number option; a bad value is a usage error (exit 2). */
export function numberOption(name: string, rule: NumberRule = {}): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    if (rule.integer && !Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number`);
    if (rule.min !== undefined && n < rule.min) throw new InvalidArgumentError(`${name} must be at least ${rule.min}`);
    if (rule.exclusiveMin !== undefined && n <= rule.exclusiveMin) throw new InvalidArgumentError(`${name} must be greater than ${rule.exclusiveMin}`);
    return n;
  };
}
