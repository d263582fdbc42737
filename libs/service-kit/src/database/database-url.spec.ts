import { describe, expect, it } from 'vitest';
import { databaseUrlFor, redactUrl, serviceDatabase } from './database-url';

describe('serviceDatabase', () => {
  it('uses the database SERVICES names for the service, on the DATABASE_URL server', () => {
    expect(serviceDatabase('release-service', { DATABASE_URL: 'postgres://postgres@db:5432/postgres' })).toEqual({
      serverUrl: 'postgres://postgres@db:5432/postgres',
      name: 'shipshape_release_service',
      url: 'postgres://postgres@db:5432/shipshape_release_service',
    });
  });

  it('lets DATABASE_NAME override the name', () => {
    expect(serviceDatabase('task-manager', { DATABASE_URL: 'postgresql://u:p@h:1/postgres?sslmode=require', DATABASE_NAME: 'tm_test' }).url).toBe(
      'postgresql://u:p@h:1/tm_test?sslmode=require',
    );
  });
});

describe('databaseUrlFor', () => {
  it('replaces the path only', () => {
    expect(databaseUrlFor('postgres://h:5432', 'x')).toBe('postgres://h:5432/x');
  });
});

describe('redactUrl', () => {
  it('hides the password', () => {
    expect(redactUrl('postgres://shipshape:s3cret@db:5432/postgres')).toBe('postgres://shipshape:***@db:5432/postgres');
    expect(redactUrl('postgres://postgres@db:5432/postgres')).toBe('postgres://postgres@db:5432/postgres');
    expect(redactUrl('not a url')).toBe('(unparseable url)');
  });
});
