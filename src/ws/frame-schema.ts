import { Type } from '@sinclair/typebox';
import { Uuid } from '../http/schemas.ts';
import { strictAjv } from '../http/validation.ts';

const RequestId = Type.String({ minLength: 1, maxLength: 128 });

export const messageFrameSchema = (maxChars: number) =>
  Type.Object(
    {
      type: Type.Optional(Type.Literal('message')),
      message: Type.String({ minLength: 1, maxLength: maxChars }),
      agentId: Type.Optional(Uuid),
      sessionId: Type.Optional(Uuid),
      requestId: Type.Optional(RequestId),
      idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
      explainRouting: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  );

export const cancelFrameSchema = Type.Object(
  { type: Type.Literal('cancel'), requestId: Type.Optional(RequestId), messageId: Type.Optional(Uuid) },
  { additionalProperties: false, minProperties: 2 },
);

export interface MessageFrame {
  type?: 'message';
  message: string;
  agentId?: string;
  sessionId?: string;
  requestId?: string;
  idempotencyKey?: string;
  explainRouting?: boolean;
}

export interface CancelFrame {
  type: 'cancel';
  requestId?: string;
  messageId?: string;
}

export interface FrameValidators {
  message(value: unknown): value is MessageFrame;
  cancel(value: unknown): value is CancelFrame;
  /** The first error of the last failed validation, as a sentence. */
  lastError(kind: 'message' | 'cancel'): string;
}

export function compileFrameValidators(maxChars: number): FrameValidators {
  const message = strictAjv.compile(messageFrameSchema(maxChars));
  const cancel = strictAjv.compile(cancelFrameSchema);
  return {
    message: (value): value is MessageFrame => message(value),
    cancel: (value): value is CancelFrame => cancel(value),
    lastError(kind) {
      const issue = (kind === 'message' ? message : cancel).errors?.[0];
      if (!issue) return 'invalid frame';
      if (issue.keyword === 'additionalProperties') return `unknown field "${String(issue.params.additionalProperty)}"`;
      if (issue.keyword === 'required') return `missing field "${String(issue.params.missingProperty)}"`;
      return `${issue.instancePath.replace(/^\//, '') || 'frame'} ${issue.message ?? 'is invalid'}`;
    },
  };
}
