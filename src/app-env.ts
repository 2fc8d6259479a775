import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { RequestIdVariables } from "hono/request-id";
import type { TimingVariables } from "hono/timing";
import type { Principal } from "./auth/principal.ts";
import type { EmbedClaims } from "./embed/embed-token.ts";
import type { RequestLogFields } from "./observability/request-log.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: RequestIdVariables &
    TimingVariables & {
      principal: Principal;
      /** The verified embed token, on embed routes. */
      embed?: EmbedClaims;
      log: RequestLogFields;
    };
}

/** The app every capability registers its routes on (src/app.ts composes them). */
export type EdgeApp = OpenAPIHono<AppEnv>;

/** What a capability's registration gets from the app: the conditional-request (ETag / 304) middleware. */
export interface SharedMiddleware {
  conditional: MiddlewareHandler<AppEnv>;
}
