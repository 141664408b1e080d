import { HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '../http/problem';
import { IS_PUBLIC, ROLES, type Role } from './principal';
import type { JWTVerifyGetKey } from 'jose';
import { VerifiedTokens } from './tokens';

/** Global guard: every route needs a valid bearer token unless marked @Public(); @Roles narrows further. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly tokens: VerifiedTokens;

  constructor(
    private readonly reflector: Reflector,
    keys: JWTVerifyGetKey,
  ) {
    this.tokens = new VerifiedTokens(keys);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Events are trusted by their source and topic ACLs (the consumer), not by a bearer token.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest();
    // Node keeps the first of repeated Authorization headers and drops the rest: which credential a
    // request carries must not depend on that, so more than one is refused.
    const raw: string[] = request.rawHeaders ?? [];
    if (raw.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'authorization').length > 1) throw unauthorized('Send one Authorization header.');
    const header: string | undefined = request.headers?.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!token) throw unauthorized('A bearer token is required.');
    try {
      request.principal = await this.tokens.principalOf(token);
    } catch {
      throw unauthorized('The bearer token is invalid or expired.');
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(request.principal.role)) {
      throw new ProblemException({
        status: HttpStatus.FORBIDDEN,
        title: 'Forbidden',
        type: '/problems/forbidden',
        detail: `This route is for: ${roles.join(', ')}.`,
      });
    }
    return true;
  }
}

function unauthorized(detail: string) {
  return new ProblemException({ status: HttpStatus.UNAUTHORIZED, title: 'Unauthorized', type: '/problems/unauthorized', detail });
}
