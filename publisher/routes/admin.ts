// The operators' area (issue 5): registered here, built in publisher/admin/.
import { type FastifyInstance } from 'fastify';

export async function adminRoutes(_app: FastifyInstance): Promise<void> {}
