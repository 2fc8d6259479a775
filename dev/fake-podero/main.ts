// Runs the fake Podero upstream and identity provider on their own: `node dev/fake-podero/main.ts [port]`.
import { startFakePodero } from "./server.ts";

const port = Number(process.argv[2] ?? process.env.FAKE_PODERO_PORT ?? 8788);
const latencyMs = Number(process.env.FAKE_PODERO_LATENCY_MS ?? 0);
const fake = await startFakePodero({ port, latencyMs });
console.log(`fake Podero upstream and identity provider on ${fake.url} (latency ${latencyMs} ms)`);
