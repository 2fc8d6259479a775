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
