import { ValidationError, ValidationPipe } from '@nestjs/common';
import { KaosError } from '@kaosnet/common';

/**
 * Nest's documented validation path (class-validator DTOs), with failures turned into one
 * KaosError BAD_REQUEST whose message names the first offending field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors: ValidationError[]) => {
      const { path, problem } = firstProblem(errors, '');
      return KaosError.invalidField(path, problem);
    },
  });
}

function firstProblem(errors: ValidationError[], prefix: string): { path: string; problem: string } {
  const e = errors[0];
  if (!e) return { path: prefix || 'body', problem: 'is invalid' };
  const path = prefix ? `${prefix}.${e.property}` : e.property;
  if (e.constraints) {
    const [key, text] = Object.entries(e.constraints)[0]!;
    if (key === 'whitelistValidation') return { path, problem: 'is not an allowed field' };
    // class-validator messages start with the property name; keep only the rule.
    return { path, problem: text.startsWith(e.property) ? text.slice(e.property.length).trim() : text };
  }
  return firstProblem(e.children ?? [], path);
}
