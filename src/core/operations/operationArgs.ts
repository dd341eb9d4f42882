import path from 'node:path';
import { requireName, ValidationError } from '../validation';

/**
 * An operation's arguments as another process sent them, read field by field: each reader checks
 * its field and throws a ValidationError naming it (the store host answers it as a usage error).
 */
export class OperationArgs {
  constructor(private readonly given: Record<string, unknown>) {}

  static of(value: unknown): OperationArgs {
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) throw new ValidationError('args', 'must be an object');
    return new OperationArgs((value ?? {}) as Record<string, unknown>);
  }

  integer(key: string, min: number, max: number): number {
    const value = this.given[key];
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw new ValidationError(key, `must be an integer from ${min} to ${max}`);
    return value as number;
  }

  /** A finite number above `above` (exclusive) and at most `max`. */
  number(key: string, above: number, max: number): number {
    const value = this.given[key];
    if (typeof value !== 'number' || !(value > above && value <= max)) throw new ValidationError(key, `must be a number above ${above} and at most ${max}`);
    return value;
  }

  /** A number from `min` to `max`, both included. */
  between(key: string, min: number, max: number): number {
    const value = this.given[key];
    if (typeof value !== 'number' || !(value >= min && value <= max)) throw new ValidationError(key, `must be a number from ${min} to ${max}`);
    return value;
  }

  optionalNumber(key: string, min: number, max: number): number | undefined {
    return this.given[key] === undefined ? undefined : this.between(key, min, max);
  }

  /** The field as given, for a check of its own (optionalText and the like). */
  raw(key: string): unknown {
    return this.given[key];
  }

  name(key: string): string {
    return requireName(key, this.given[key]);
  }

  optionalName(key: string): string | undefined {
    return this.given[key] === undefined ? undefined : this.name(key);
  }

  flag(key: string): boolean {
    const value = this.given[key];
    if (typeof value !== 'boolean') throw new ValidationError(key, 'must be true or false');
    return value;
  }

  choice<T extends string>(key: string, choices: readonly T[]): T {
    const value = this.given[key];
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) throw new ValidationError(key, `must be one of ${choices.join(', ')}`);
    return value as T;
  }

  optionalChoice<T extends string>(key: string, choices: readonly T[]): T | undefined {
    return this.given[key] === undefined ? undefined : this.choice(key, choices);
  }

  /** 1 to `max` absolute paths (a relative one would be read against the wrong process's folder). */
  absolutePaths(key: string, max: number): string[] {
    const value = this.given[key];
    if (!Array.isArray(value) || value.length === 0 || value.length > max || !value.every((f) => typeof f === 'string' && path.isAbsolute(f))) {
      throw new ValidationError(key, `must be a list of 1 to ${max} absolute paths`);
    }
    return value as string[];
  }
}
