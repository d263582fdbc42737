import { serviceByName, type ServiceName } from '@shipshape/contracts';
import type { BaseConfig } from '../config/base-config.schema';

/** The same server URL with another database in its path. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export interface ServiceDatabase {
  /** DATABASE_URL: the server, used to create the service database. */
  readonly serverUrl: string;
  readonly name: string;
  /** The service's own database. */
  readonly url: string;
}

/** Which database a service uses: DATABASE_NAME if set, else SERVICES[].database, on the DATABASE_URL server. */
export function serviceDatabase(service: ServiceName, config: Pick<BaseConfig, 'DATABASE_URL' | 'DATABASE_NAME'>): ServiceDatabase {
  const name = config.DATABASE_NAME ?? serviceByName(service).database;
  return { serverUrl: config.DATABASE_URL, name, url: databaseUrlFor(config.DATABASE_URL, name) };
}

/** The URL with its password replaced, for logs and error messages. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable url)';
  }
}
