import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; its default export is the function under NodeNext interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const base: Options = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false };

/**
 * `x-lowercase: true` on a string (the UUIDs): the value goes on in lower case. The uuid format
 * accepts capitals, and PostgreSQL's uuid type matches them while SQLite's text does not; ids in
 * lower case name the same row in both stores, and compare equal to the ids the server wrote.
 */
function withLowerCase(ajv: Ajv): Ajv {
  ajv.addKeyword({
    keyword: 'x-lowercase',
    modifying: true,
    schemaType: 'boolean',
    compile: (enabled: boolean) => (data: unknown, context?: { parentData?: Record<string | number, unknown>; parentDataProperty?: string | number }) => {
      if (enabled && typeof data === 'string' && context?.parentData && context.parentDataProperty !== undefined) {
        context.parentData[context.parentDataProperty] = data.toLowerCase();
      }
      return true;
    },
  });
  return ajv;
}

/** Bodies and frames: no coercion, so "5" is not 5 and true is not "true". */
export const strictAjv = withLowerCase(addFormats(new Ajv({ ...base, coerceTypes: false })));
/** Query strings and params arrive as text: numbers and booleans are read from it, strictly. */
const queryAjv = withLowerCase(addFormats(new Ajv({ ...base, coerceTypes: true })));

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (httpPart === 'querystring' || httpPart === 'params' || httpPart === 'headers') return withIntegersAsDigits(schema as ObjectSchema, queryAjv.compile(schema as object));
  return strictAjv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};

interface ObjectSchema {
  properties?: Record<string, { type?: unknown }>;
}

// Decimal digits, at most 15 of them: every such number is exact in a double.
const integerText = /^-?[0-9]{1,15}$/;

/**
 * ajv's coercion reads text as JavaScript does: "1e2" is 100, "0x10" is 16 and "Infinity" passes
 * as an integer (and then reached SQL as a 500). An integer in a query string or a path must be
 * written in decimal digits, as API.md says; anything else is refused before ajv coerces it.
 */
function withIntegersAsDigits(schema: ObjectSchema, validate: ValidateFunction): ReturnType<FastifySchemaCompiler<unknown>> {
  const integers = Object.entries(schema.properties ?? {}).filter(([, property]) => property.type === 'integer').map(([name]) => name);
  if (integers.length === 0) return validate as ReturnType<FastifySchemaCompiler<unknown>>;
  const checked = (data: unknown): boolean => {
    const values = (data ?? {}) as Record<string, unknown>;
    for (const name of integers) {
      const value = values[name];
      if (typeof value === 'string' && !integerText.test(value)) {
        checked.errors = [{ instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`, keyword: 'type', params: { type: 'integer' }, message: 'must be integer' }];
        return false;
      }
    }
    const valid = validate(data) as boolean;
    checked.errors = validate.errors;
    return valid;
  };
  checked.errors = null as ErrorObject[] | null | undefined;
  return checked as unknown as ReturnType<FastifySchemaCompiler<unknown>>;
}

export function addSharedSchema(schema: { $id: string }): void {
  for (const ajv of [strictAjv, queryAjv]) if (!ajv.getSchema(schema.$id)) ajv.addSchema(schema);
}
