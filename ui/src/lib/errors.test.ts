import { describe, expect, it } from 'vitest';
import { errorMessage, fieldProblems, formFieldOf, problemText, toDeskError } from './errors';
import { ERROR_CODES } from './generated';

const body = (code: string, message = '', problems: unknown[] = []) => ({ code, message, problems, more_problems: 0 });

describe('error messages', () => {
  it('maps codes to plain words', () => {
    expect(errorMessage(body('bad_credentials', 'x'))).toBe("That user name and password don't match.");
    expect(errorMessage(body('forbidden', 'x'))).toBe("Your role doesn't allow this.");
    expect(errorMessage(body('locked'))).toBe('The vault locked after 15 minutes idle. Sign in again.');
    expect(errorMessage(body('export_refused'))).toContain('Nothing was applied');
    expect(errorMessage(body('database'))).toBe('The vault database reported a problem.');
  });
  it('has words for every code core knows', () => {
    for (const code of ERROR_CODES) expect(errorMessage(body(code, 'core says so')).length).toBeGreaterThan(3);
  });
  it("shows core's own message for invalid, busy and damaged", () => {
    expect(errorMessage(body('invalid', 'you cannot remove yourself'))).toBe('You cannot remove yourself');
    expect(errorMessage(body('busy', 'the vault is busy: a sync by asha since 02:00; try again'))).toBe(
      'The vault is busy: a sync by asha since 02:00; try again',
    );
    expect(errorMessage(body('damaged', 'the vault is damaged: x'))).toBe('The vault is damaged: x');
  });
  it('normalises strings, JSON strings and Errors', () => {
    expect(toDeskError('{"code":"busy","message":"m","problems":[],"more_problems":0}').code).toBe('busy');
    expect(toDeskError('boom')).toEqual({ code: 'unknown', message: 'boom', problems: [], more_problems: 0 });
    expect(toDeskError(new Error('e')).message).toBe('e');
    expect(toDeskError({ code: 'io', message: 'm' })).toEqual(body('io', 'm'));
  });
});

describe('problems', () => {
  it("puts core's structured problems on their fields, without reading the message", () => {
    const p = fieldProblems(
      body('invalid', 'the disclosure was not recorded (3 problem(s))', [
        { file: null, line: null, field: 'recipient.organisation', message: 'required' },
        { file: null, line: null, field: 'member_ids[1]', message: 'repeats an earlier member' },
        { file: null, line: null, field: 'lawful_basis_detail', message: 'required when lawful_basis is other' },
        { file: null, line: null, field: 'recipient.organisation', message: 'a second problem' },
      ]),
    );
    expect(p).toEqual({
      'recipient.organisation': 'required',
      'member_ids[1]': 'repeats an earlier member',
      lawful_basis_detail: 'required when lawful_basis is other',
    });
    // A message that looks like a list of fields is only a message.
    expect(fieldProblems(body('invalid', 'the disclosure was not recorded: site: required'))).toEqual({});
  });
  it('prints a problem as core does', () => {
    expect(problemText({ file: 'posts.jsonl', line: 2, field: 'member_id', message: 'names no member of the site' })).toBe(
      'posts.jsonl:2: member_id: names no member of the site',
    );
    expect(problemText({ file: 'x.zip', line: null, field: 'path', message: 'is a symbolic link; refused' })).toBe(
      'x.zip:0: path: is a symbolic link; refused',
    );
    expect(problemText({ file: null, line: null, field: 'site', message: 'required' })).toBe('site: required');
  });
  it('maps list items to their form field', () => {
    expect(formFieldOf('member_ids[2]')).toBe('member_ids');
    expect(formFieldOf('triggered_by[0].id')).toBe('triggered_by[0].id');
  });
});
