// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { errorMessage } from './errorMessages';
import { ApiError } from './http';

describe('errorMessage', () => {
  it('turns known codes into friendly text', () => {
    expect(errorMessage(new ApiError(400, 'invalid_code', 'The code is wrong or has expired.'))).toMatch(/ask for a new code/);
    expect(errorMessage(new ApiError(413, 'quota_exceeded', 'x'))).toBe('This file does not fit in your remaining storage.');
    expect(errorMessage(new ApiError(0, 'network', 'x'))).toMatch(/cannot be reached/);
    expect(errorMessage(new ApiError(403, 'wrong_current_password', 'x'))).toBe('Your current password is not right.');
    expect(errorMessage(new ApiError(400, 'password_unchanged', 'x'))).toMatch(/same as your current one/);
  });

  it("keeps the server's message for codes whose message is already specific", () => {
    expect(errorMessage(new ApiError(429, 'rate_limited', 'Too many attempts; try again in 42 s.'))).toBe('Too many attempts; try again in 42 s.');
    const locked = 'Too many wrong codes were entered for this account; its codes are locked for 60 more minutes.';
    expect(errorMessage(new ApiError(429, 'codes_locked', locked))).toBe(locked);
    expect(errorMessage(new ApiError(418, 'brand_new_code', 'Something new happened.'))).toBe('Something new happened.');
  });

  it('rephrases validation answers, which name the field and what was expected', () => {
    expect(errorMessage(new ApiError(400, 'invalid_request', 'password: a password of 8 to 128 characters'))).toBe(
      'Please enter a password of 8 to 128 characters.',
    );
    expect(errorMessage(new ApiError(400, 'invalid_request', 'Unreadable body'))).toBe('Unreadable body');
  });

  it('falls back sensibly for errors that are not from the API', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('weird')).toBe('Something went wrong. Please try again.');
  });
});
