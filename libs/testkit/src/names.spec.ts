import { describe, expect, it } from 'vitest';
import { databaseUrlFor, uniqueDatabaseName, uniqueTopic } from './names';

describe('uniqueDatabaseName', () => {
  it('is a valid lower-case Postgres identifier that keeps the prefix', () => {
    const name = uniqueDatabaseName('Task-Manager it');
    expect(name).toMatch(/^task_manager_it_[a-z0-9]+$/);
  });

  it('never exceeds 63 characters and starts with a letter or underscore', () => {
    const name = uniqueDatabaseName(`9${'x'.repeat(100)}`);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
  });

  it('differs between calls', () => {
    const names = new Set(Array.from({ length: 50 }, () => uniqueDatabaseName('same')));
    expect(names.size).toBe(50);
  });
});

describe('uniqueTopic', () => {
  it('keeps legal characters and replaces the rest', () => {
    expect(uniqueTopic('shipshape.step results/x')).toMatch(/^shipshape\.step-results-x\.[a-z0-9]+$/);
  });

  it('differs between calls', () => {
    expect(uniqueTopic('t')).not.toBe(uniqueTopic('t'));
  });
});

describe('databaseUrlFor', () => {
  it('replaces only the database of a server URL', () => {
    expect(databaseUrlFor('postgres://postgres:secret@127.0.0.1:5432/postgres?sslmode=disable', 'svc_db')).toBe(
      'postgres://postgres:secret@127.0.0.1:5432/svc_db?sslmode=disable',
    );
  });

  it('adds a database to a URL without one', () => {
    expect(databaseUrlFor('postgres://postgres@localhost:5433', 'x')).toBe('postgres://postgres@localhost:5433/x');
  });
});
