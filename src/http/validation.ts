import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; its default export is the function under NodeNext interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const base: Options = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false };

/** Bodies and frames: no coercion, so "5" is not 5 and true is not "true". */
export const strictAjv = addFormats(new Ajv({ ...base, coerceTypes: false }));
/** Query strings and params arrive as text: numbers and booleans are read from it, strictly. */
const queryAjv = addFormats(new Ajv({ ...base, coerceTypes: true }));

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'querystring' || httpPart === 'params' || httpPart === 'headers' ? queryAjv : strictAjv;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};

export function addSharedSchema(schema: { $id: string }): void {
  for (const ajv of [strictAjv, queryAjv]) if (!ajv.getSchema(schema.$id)) ajv.addSchema(schema);
}
