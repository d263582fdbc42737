import { describe, expect, it } from 'vitest';
import { ShipshapeError, isShipshapeError } from './errors';

class ChangeError extends ShipshapeError {}

describe('ShipshapeError', () => {
  it('carries code, message, details and cause', () => {
    const cause = new Error('connection refused');
    const error = new ChangeError('CHANGE.GIT_FAILED', 'git push failed', { cause, details: { host: 'git.local', attempt: 2 } });

    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ShipshapeError);
    expect(error.name).toBe('ChangeError');
    expect(error.code).toBe('CHANGE.GIT_FAILED');
    expect(error.message).toBe('git push failed');
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ host: 'git.local', attempt: 2 });
    expect(Object.isFrozen(error.details)).toBe(true);
  });

  it('serializes to JSON with the cause summarized, nested Shipshape causes in full', () => {
    const root = Object.assign(new Error('ECONNRESET'), { code: 'ECONNRESET' });
    const inner = new ShipshapeError('MESSAGING.PUBLISH_FAILED', 'publish failed', { cause: root, details: { topic: 't' } });
    const outer = new ShipshapeError('TASK.DISPATCH_FAILED', 'dispatch failed', { cause: inner });

    const json = JSON.parse(JSON.stringify(outer));

    expect(json).toEqual({
      name: 'ShipshapeError',
      code: 'TASK.DISPATCH_FAILED',
      message: 'dispatch failed',
      details: {},
      cause: {
        name: 'ShipshapeError',
        code: 'MESSAGING.PUBLISH_FAILED',
        message: 'publish failed',
        details: { topic: 't' },
        cause: { name: 'Error', message: 'ECONNRESET', code: 'ECONNRESET' },
      },
    });
  });

  it('omits the cause when there is none and does not leak a stack', () => {
    const json = new ShipshapeError('CONTRACTS.X', 'm').toJSON();
    expect(json).not.toHaveProperty('cause');
    expect(json).not.toHaveProperty('stack');
  });

  it('rejects codes that do not look like PACKAGE.NAME', () => {
    expect(() => new ShipshapeError('not a code', 'm')).toThrow(TypeError);
    expect(() => new ShipshapeError('contracts.lower', 'm')).toThrow(TypeError);
  });

  it('isShipshapeError narrows and optionally matches the code', () => {
    const error: unknown = new ChangeError('CHANGE.RECIPE_FAILED', 'm');
    expect(isShipshapeError(error)).toBe(true);
    expect(isShipshapeError(error, 'CHANGE.RECIPE_FAILED')).toBe(true);
    expect(isShipshapeError(error, 'CHANGE.OTHER')).toBe(false);
    expect(isShipshapeError(new Error('plain'))).toBe(false);
  });
});
