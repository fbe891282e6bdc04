/**
 * The comparison point of bench/message-throughput.ts: a bare Fastify server whose `POST /echo`
 * returns the JSON body it received. No logger, no auth, no storage: what Fastify alone costs.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/echo', async (request) => request.body);
app.get('/api/health', async () => ({ status: 'ok' }));

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`echo listening on port ${process.env.PORT}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
