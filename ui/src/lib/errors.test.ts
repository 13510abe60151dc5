import { describe, expect, it } from 'vitest';
import { errorMessage, fieldProblems, formFieldOf, toDeskError } from './errors';

describe('error messages', () => {
  it('maps codes to plain words', () => {
    expect(errorMessage({ code: 'bad_credentials', message: 'x' })).toBe("That user name and password don't match.");
    expect(errorMessage({ code: 'forbidden', message: 'x' })).toBe("Your role doesn't allow this.");
    expect(errorMessage({ code: 'locked', message: '' })).toBe('The vault locked after 15 minutes idle. Sign in again.');
  });
  it('accepts core spellings as well as the contract (export_refused, database)', () => {
    expect(errorMessage({ code: 'export_refused', message: '' })).toBe(errorMessage({ code: 'refused', message: '' }));
    expect(errorMessage({ code: 'database', message: '' })).toBe(errorMessage({ code: 'db', message: '' }));
  });
  it("shows core's own message for invalid", () => {
    expect(errorMessage({ code: 'invalid', message: 'you cannot remove yourself' })).toBe('You cannot remove yourself');
  });
  it('normalises strings, JSON strings and Errors', () => {
    expect(toDeskError('{"code":"busy","message":"m"}').code).toBe('busy');
    expect(toDeskError('boom')).toEqual({ code: 'unknown', message: 'boom' });
    expect(toDeskError(new Error('e')).message).toBe('e');
  });
});

describe('field problems', () => {
  it("reads core's invalid disclosure message", () => {
    const p = fieldProblems({
      code: 'invalid',
      message: 'the disclosure was not recorded: recipient.organisation: required; member_ids[1]: repeats an earlier member; lawful_basis_detail: required when lawful_basis is other',
    });
    expect(p).toEqual({
      'recipient.organisation': 'required',
      'member_ids[1]': 'repeats an earlier member',
      lawful_basis_detail: 'required when lawful_basis is other',
    });
  });
  it('reads problems with a file:line prefix', () => {
    expect(fieldProblems({ code: 'refused', message: '', problems: ['input.json:3: authorised_by: required'] })).toEqual({ authorised_by: 'required' });
  });
  it('maps list items to their form field', () => {
    expect(formFieldOf('member_ids[2]')).toBe('member_ids');
    expect(formFieldOf('triggered_by[0].id')).toBe('triggered_by[0].id');
  });
});
