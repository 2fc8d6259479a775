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
# opened with another key.`);
