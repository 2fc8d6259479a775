// `npm run keys`: a new EMBED_SIGNING_KEY (a private Ed25519 JWK with a `kid`) and WEBHOOK_SECRETS_KEY (32 random
// bytes, base64), printed ready for `wrangler secret put`. Nothing is written to disk; pipe each into the command.
import { newEmbedSigningKey, newWebhookSecretsKey } from "../dev/keys.ts";

const embed = await newEmbedSigningKey();
const secrets = newWebhookSecretsKey();
console.log(`# EMBED_SIGNING_KEY (API worker only):
echo '${embed}' | npx wrangler secret put EMBED_SIGNING_KEY --env ENV

# WEBHOOK_SECRETS_KEY (the same value on both workers):
echo '${secrets}' | npx wrangler secret put WEBHOOK_SECRETS_KEY --env ENV
echo '${secrets}' | npx wrangler secret put WEBHOOK_SECRETS_KEY --env ENV -c wrangler.webhooks.toml

# Replace ENV with staging or production. Keep WEBHOOK_SECRETS_KEY safe: subscriptions sealed with it cannot be
# opened without it.
#
# Rotating (docs/configuration.md "Rotating keys"), without downtime:
#   EMBED_SIGNING_KEY    put '[NEW, OLD]' (a JSON array; OLD may be its public half), and after 1 h (the longest
#                        embed token) NEW alone.
#   WEBHOOK_SECRETS_KEY  put 'NEW,OLD' on both workers; once the webhook worker's "webhook poll" log line shows
#                        secrets.resealed and secrets.unopenable at 0, put NEW alone on both.`);
