export { createRedisCoordination, type RedisCoordinationOptions } from './redis-coordination.ts';
