import type { NextFunction, Request, Response } from 'express';

/**
 * KaosNet serves two HTTP listeners from one Nest app: the client port (`/api`, `/healthcheck`,
 * `/docs`, `/ws`) and the console port (`/admin`, console UI, its own `/docs`). One app keeps one
 * DI container (one DB pool, one session registry); this middleware keeps each route family on
 * its own port, so an admin route is never reachable from the internet-facing port.
 */
export const ADMIN_DOCS_PATH = '__admin-docs';

export function createPortRouter(consolePorts: () => Set<number>): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const isConsole = consolePorts().has(req.socket.localPort ?? -1);
    const path = req.path;
    if (isConsole) {
      if (path === '/docs' || path.startsWith('/docs/') || path === '/docs-json') {
        req.url = req.url.replace(/^\/docs/, `/${ADMIN_DOCS_PATH}`);
        return next();
      }
      if (path.startsWith('/api/') || path === '/api' || path.startsWith(`/${ADMIN_DOCS_PATH}`)) return notFound(res);
      return next();
    }
    if (path.startsWith('/admin/') || path === '/admin' || path.startsWith(`/${ADMIN_DOCS_PATH}`)) return notFound(res);
    return next();
  };
}

function notFound(res: Response): void {
  res.status(404).json({ code: 'NOT_FOUND', message: 'Not found' });
}
