import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_DOCS_PATH } from './port-router.js';

/**
 * Two OpenAPI documents: the client API (served at /docs on the client port) and the admin API
 * (served at /docs on the console port). Routes are split by path prefix.
 */
export function setupSwagger(app: INestApplication): void {
  const client = new DocumentBuilder()
    .setTitle('KaosNet client API')
    .setDescription('Player-facing REST API. Authenticate calls use HTTP Basic with the server key as username; everything else a bearer access token.')
    .setVersion('1')
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'username = server key, empty password' }, 'serverKey')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .build();
  const clientDoc = SwaggerModule.createDocument(app, client);
  clientDoc.paths = Object.fromEntries(Object.entries(clientDoc.paths).filter(([p]) => !p.startsWith('/admin')));
  SwaggerModule.setup('docs', app, clientDoc, { jsonDocumentUrl: 'docs-json' });

  const admin = new DocumentBuilder()
    .setTitle('KaosNet admin API')
    .setDescription('Console and automation API. Bearer: a console session token from /admin/login, or an API key.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer' }, 'admin')
    .build();
  const adminDoc = SwaggerModule.createDocument(app, admin);
  adminDoc.paths = Object.fromEntries(Object.entries(adminDoc.paths).filter(([p]) => p.startsWith('/admin')));
  SwaggerModule.setup(ADMIN_DOCS_PATH, app, adminDoc, { jsonDocumentUrl: `${ADMIN_DOCS_PATH}-json` });
}
