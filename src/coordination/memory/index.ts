export { createMemoryCoordination, type MemoryCoordinationOptions } from './memory-coordination.ts';
