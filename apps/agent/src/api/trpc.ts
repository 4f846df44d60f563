// tRPC setup: context (the logged-in user), error shape, and procedure levels by user group.
import { TRPCError, initTRPC } from '@trpc/server';
import { ConfigError, type ConfigIssue } from '@ipsec/schema';
import { ZodError } from 'zod';
import { canWrite, isFull, type User } from '../auth/users.ts';
import { ForbiddenError, NotFoundError } from './config-service.ts';

export interface Context {
  user: User;
}

/** What a client learns of a fault in the agent; the agent logs the stack (server.ts, onError). */
export const INTERNAL_ERROR_MESSAGE = 'internal error (see the agent log)';

const t = initTRPC.context<Context>().create({
  // Never a stack in an answer, whatever NODE_ENV says (tRPC's default adds one unless it is "production").
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const issues: ConfigIssue[] | undefined = cause instanceof ConfigError ? cause.issues : undefined;
    const message = error.code === 'INTERNAL_SERVER_ERROR' ? INTERNAL_ERROR_MESSAGE : shape.message;
    return { ...shape, message, data: { ...shape.data, issues } };
  },
});

/** Domain errors become tRPC errors with the right code; the message names the field. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const e = result.error.cause;
    if (e instanceof ConfigError) throw new TRPCError({ code: 'BAD_REQUEST', message: e.message, cause: e });
    if (e instanceof ZodError)
      throw new TRPCError({ code: 'BAD_REQUEST', message: e.issues.map((i) => i.message).join('; '), cause: e });
    if (e instanceof ForbiddenError) throw new TRPCError({ code: 'FORBIDDEN', message: e.message, cause: e });
    if (e instanceof NotFoundError) throw new TRPCError({ code: 'NOT_FOUND', message: e.message, cause: e });
  }
  return result;
});

export const router = t.router;
/** Any logged-in user (read, write, full). The WebSocket is only accepted with a session. */
export const authed = t.procedure.use(mapErrors);
export const writer = authed.use(({ ctx, next }) => {
  if (!canWrite(ctx.user))
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `user ${ctx.user.name} (group ${ctx.user.group}) may not change the configuration`,
    });
  return next();
});
export const full = authed.use(({ ctx, next }) => {
  if (!isFull(ctx.user))
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `user ${ctx.user.name} (group ${ctx.user.group}) needs group full for this`,
    });
  return next();
});
