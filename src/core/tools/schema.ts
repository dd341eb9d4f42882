/**
 * The small JSON Schema subset the agent tools use, and a validator for it. One schema serves the
 * VS Code tool contribution, the MCP tool list and the CLI, and every call is checked against it
 * here, whatever the caller checked already.
 */
import { hasControlCharacters } from '../validation';

interface Described {
  description: string;
}

export interface NumberSchema extends Described {
  type: 'number' | 'integer';
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  default?: number;
}

export interface StringSchema extends Described {
  type: 'string';
  minLength?: number;
  maxLength?: number;
  enum?: string[];
  default?: string;
}

export interface BooleanSchema extends Described {
  type: 'boolean';
  default?: boolean;
}

export interface StringArraySchema extends Described {
  type: 'array';
  items: { type: 'string'; maxLength: number };
  maxItems: number;
}

export type PropertySchema = NumberSchema | StringSchema | BooleanSchema | StringArraySchema;

export interface ObjectSchema {
  type: 'object';
  properties: Record<string, PropertySchema>;
  required?: string[];
  additionalProperties: false;
}

/** Arguments that do not match a tool's schema; `problems` lists every one, by argument name. */
export class ToolArgumentError extends Error {
  constructor(readonly tool: string, readonly problems: string[]) {
    super(`invalid arguments for ${tool}: ${problems.join('; ')}`);
  }
}

/** Checks `value` against `schema`; returns the arguments with defaults filled in. */
export function validateArguments(tool: string, schema: ObjectSchema, value: unknown): Record<string, unknown> {
  const input = value === undefined || value === null ? {} : value;
  if (typeof input !== 'object' || Array.isArray(input)) throw new ToolArgumentError(tool, ['arguments must be a JSON object']);
  const record = input as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(schema.properties, key)) problems.push(`unknown argument "${key}" (expected: ${Object.keys(schema.properties).join(', ') || 'none'})`);
  }
  const result: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties)) {
    const given = record[name];
    // null is a value, not "not given": `limit: null` (what some clients send for limit=abc) is refused.
    if (given === null) {
      problems.push(`"${name}" must not be null (leave it out for the default)`);
      continue;
    }
    if (given === undefined) {
      if (schema.required?.includes(name)) problems.push(`"${name}" is required`);
      else if ('default' in property && property.default !== undefined) result[name] = property.default;
      continue;
    }
    const problem = checkProperty(property, given);
    if (problem) problems.push(`"${name}" ${problem}`);
    else result[name] = typeof given === 'string' ? given.trim() : given;
  }
  if (problems.length) throw new ToolArgumentError(tool, problems);
  return result;
}

function checkProperty(schema: PropertySchema, value: unknown): string | undefined {
  switch (schema.type) {
    case 'integer':
    case 'number':
      return checkNumber(schema, value);
    case 'string':
      return checkString(schema, value);
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'array': {
      if (!Array.isArray(value)) return 'must be a list of strings';
      if (value.length > schema.maxItems) return `must have at most ${schema.maxItems} items`;
      const bad = value.findIndex((item) => typeof item !== 'string' || item.length > schema.items.maxLength || hasControlCharacters(item));
      return bad >= 0 ? `item ${bad} must be a string of at most ${schema.items.maxLength} printable characters` : undefined;
    }
  }
}

function checkNumber(schema: NumberSchema, value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a${schema.type === 'integer' ? 'n integer' : ' number'}`;
  if (schema.type === 'integer' && !Number.isInteger(value)) return 'must be an integer';
  if (schema.minimum !== undefined && value < schema.minimum) return `must be at least ${schema.minimum}`;
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) return `must be greater than ${schema.exclusiveMinimum}`;
  if (schema.maximum !== undefined && value > schema.maximum) return `must be at most ${schema.maximum}`;
  return undefined;
}

function checkString(schema: StringSchema, value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  const trimmed = value.trim();
  if (schema.enum && !schema.enum.includes(trimmed)) return `must be one of ${schema.enum.join(', ')}`;
  if (schema.minLength !== undefined && trimmed.length < schema.minLength) return schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters`;
  if (schema.maxLength !== undefined && trimmed.length > schema.maxLength) return `must be at most ${schema.maxLength} characters`;
  if (hasControlCharacters(trimmed)) return 'must not contain control characters';
  return undefined;
}
