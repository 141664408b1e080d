import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';

/**
 * Who is calling. Brokers (科技经纪人) are bound to one park and see only that park's needs and deals;
 * analysts read totals and events across parks and never see enterprise contacts; admins manage what
 * every park shares (the supply catalogue) and hold no park of their own.
 */
export type Role = 'broker' | 'analyst' | 'admin';

export interface Principal {
  subject: string;
  role: Role;
  /** Set for brokers: the park (园区) whose data they may see and change. */
  parkId?: string;
}

export const IS_PUBLIC = 'auth:public';
export const ROLES = 'auth:roles';

/** No token needed (health checks, API docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only these roles may call the route (the default for a route without @Roles is: any signed-in role). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest().principal;
});

/** The park a broker acts for; throws for roles that have none (routes using it are broker-only). */
export function parkOf(principal: Principal): string {
  if (!principal.parkId) throw new Error(`principal ${principal.subject} has no park`);
  return principal.parkId;
}
