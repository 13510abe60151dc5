import { describe, expect, it } from 'vitest';
import {
  autoGround,
  cpLength,
  cpSlice,
  cpToUtf16,
  decisionProblems,
  fieldMarks,
  groundsAllowed,
  keyAction,
  KEYS,
  kindOne,
  otherValues,
  pathLabel,
  pointerOf,
  pointerTokens,
  progressLabel,
  segments,
  selectionInField,
  utf16ToCp,
  verdictLabel,
} from './review';
import type { Proposal, Span } from './generated';

// "👶" and "🎉" are one code point each but two UTF-16 units.
const TEXT = '🎉🎉 Congrats to sunflower_jo! 👶 Text 07700 900123';

function proposal(id: number, field: string, start: number | null, end: number | null, effective: Proposal['effective'] = null): Proposal {
  return { id, item: 0, field, start, end, kind: 'username', party: id, replacement: `Member ${id}`, decision: null, effective };
}

describe('code points', () => {
  it('counts and slices code points, not UTF-16 units', () => {
    expect(TEXT.length).toBe(cpLength(TEXT) + 3);
    expect(cpSlice(TEXT, 15, 27)).toBe('sunflower_jo');
    // text.slice would be off by the two emoji before it.
    expect(TEXT.slice(15, 27)).not.toBe('sunflower_jo');
  });
  it('converts both ways, never cutting an emoji in half', () => {
    expect(cpToUtf16(TEXT, 2)).toBe(4);
    expect(utf16ToCp(TEXT, 4)).toBe(2);
    // Inside the first emoji's surrogate pair.
    expect(utf16ToCp(TEXT, 1)).toBe(0);
    expect(utf16ToCp(TEXT, 1, true)).toBe(1);
    expect(utf16ToCp(TEXT, TEXT.length)).toBe(cpLength(TEXT));
    for (let cp = 0; cp <= cpLength(TEXT); cp++) expect(utf16ToCp(TEXT, cpToUtf16(TEXT, cp))).toBe(cp);
  });
});

describe('highlighted segments', () => {
  it('cuts the text at each mark, offsets in code points', () => {
    const ps = [proposal(1, '/body', 15, 27), proposal(2, '/body', 36, 48)];
    const segs = segments(TEXT, fieldMarks('/body', ps, []));
    expect(segs.map((s) => s.text).join('')).toBe(TEXT);
    const marked = segs.filter((s) => s.marks.length).map((s) => s.text);
    expect(marked).toEqual(['sunflower_jo', '07700 900123']);
  });
  it('keeps overlapping marks and a span over part of a proposal', () => {
    const span: Span = { id: 9, item: 0, field: '/body', start: 19, end: 31, reason: 'r', by: 'a', at: 'x' };
    const segs = segments(TEXT, fieldMarks('/body', [proposal(1, '/body', 15, 27)], [span]));
    expect(segs.map((s) => [s.text, s.marks.map((m) => `${m.kind}${m.id}`).join('+')])).toEqual([
      ['🎉🎉 Congrats to ', ''],
      ['sunf', 'proposal1'],
      ['lower_jo', 'proposal1+span9'],
      ['! 👶 ', 'span9'],
      ['Text 07700 900123', ''],
    ]);
  });
  it('ignores whole-value proposals, other fields and marks beyond the text', () => {
    const marks = fieldMarks('/body', [proposal(1, '/sender_id', null, null), proposal(2, '/subject', 0, 3), proposal(3, '/body', 40, 999)], []);
    expect(marks).toHaveLength(1);
    const segs = segments('short', marks);
    expect(segs).toEqual([{ text: 'short', start: 0, end: 5, marks: [] }]);
  });
});

describe('words', () => {
  it('says progress, verdicts and kinds', () => {
    expect(progressLabel({ items: 512, items_reviewed: 143 })).toBe('143 of 512 items reviewed');
    expect(progressLabel({ items: 1, items_reviewed: 0 })).toBe('0 of 1 item reviewed');
    expect(verdictLabel(null)).toBe('Undecided');
    expect(verdictLabel({ decide: 'redact', reason: 'x' })).toBe('Redact');
    expect(verdictLabel({ decide: 'disclose', ground: 'consented', note: '' })).toBe('Disclose (they consented)');
    expect(kindOne('private_messages')).toBe('Private message');
    expect(kindOne('profile')).toBe('Profile');
  });
  it('reads JSON Pointers, escapes included', () => {
    expect(pointerTokens('/answers/How did you hear of us')).toEqual(['answers', 'How did you hear of us']);
    expect(pointerOf(['a/b', 'c~d', 2])).toBe('/a~1b/c~0d/2');
    expect(pointerTokens(pointerOf(['a/b', 'c~d']))).toEqual(['a/b', 'c~d']);
    expect(pathLabel('/messages/2/body')).toBe('Messages 3 › Text');
    expect(pathLabel('/answers/How did you hear of us')).toBe('Your answers › How did you hear of us');
  });
  it('lists the values that are not text, a long array cut short', () => {
    const row = { sender_id: 'm-1', recipient_ids: Array.from({ length: 60 }, (_, i) => `m-${i + 2}`), body: 'hi', flag: true, none: null };
    const { values, more } = otherValues(row, new Set(['/body']), 50);
    expect(values.find((v) => v.path === '/body')).toBeUndefined();
    expect(values.filter((v) => v.path.startsWith('/recipient_ids/'))).toHaveLength(50);
    expect(values.find((v) => v.path === '/flag')?.value).toBe('yes');
    expect(more).toEqual([{ path: '/recipient_ids', count: 10 }]);
  });
});

describe('the three steps', () => {
  it('says which grounds a record supports, and which settles a quick disclose', () => {
    expect(groundsAllowed(null)).toEqual([]);
    expect(groundsAllowed({ consent: 'given', reasonable: null })).toEqual(['consented', 'known_to_requester']);
    expect(groundsAllowed({ consent: 'refused', reasonable: true })).toEqual(['known_to_requester', 'reasonable']);
    const rec = { also_about_requester: true, reasonable: null, note: '', recorded_by: 'a', recorded_at: 'x' } as const;
    expect(autoGround({ ...rec, consent: 'given' })).toBe('consented');
    expect(autoGround({ ...rec, consent: 'not_sought', reasonable: true, note: '' })).toBeNull();
    expect(autoGround({ ...rec, consent: 'not_sought', reasonable: true, note: 'her own words' })).toBe('reasonable');
    expect(autoGround(null)).toBeNull();
  });
  it('names a decision’s problems by field, without the list index', () => {
    const e = {
      code: 'invalid',
      message: 'no decision was applied',
      problems: [
        { file: null, line: null, field: 'decisions[0].verdict.reason', message: 'required' },
        { file: null, line: null, field: 'decisions[0].three_step.reasonable', message: 'consent was given' },
      ],
    };
    expect(decisionProblems(e)).toEqual({ 'verdict.reason': 'required', 'three_step.reasonable': 'consent was given' });
  });
});

describe('keys', () => {
  const ev = (key: string, target: Element | null = document.body, mods: Partial<KeyboardEvent> = {}) =>
    ({ key, target, ctrlKey: false, metaKey: false, altKey: false, defaultPrevented: false, ...mods }) as KeyboardEvent;
  it('maps the screen’s keys', () => {
    expect(keyAction(ev('j'))).toBe('next-item');
    expect(keyAction(ev('ArrowDown'))).toBe('next-item');
    expect(keyAction(ev('k'))).toBe('prev-item');
    expect(keyAction(ev('ArrowUp'))).toBe('prev-item');
    expect(keyAction(ev('n'))).toBe('next-proposal');
    expect(keyAction(ev('r'))).toBe('redact-party');
    expect(keyAction(ev('R'))).toBe('redact-proposal');
    expect(keyAction(ev('d'))).toBe('disclose-party');
    expect(keyAction(ev('u'))).toBe('undo');
    expect(keyAction(ev('?'))).toBe('help');
    expect(keyAction(ev('a'))).toBe('accept');
    expect(keyAction(ev('x'))).toBe('decline');
    expect(keyAction(ev('z'))).toBeNull();
    // Every mapped action is listed for "?".
    for (const k of ['j', 'k', 'n', 'p', 'r', 'd', 'R', 'D', 'c', 'u', 'w', 'm', 'a', 'x', 'v', 't', '/', '?'])
      expect(KEYS.some((x) => x.action === keyAction(ev(k)))).toBe(true);
  });
  it('leaves typing and the webview’s own shortcuts alone', () => {
    const input = document.body.appendChild(document.createElement('input'));
    expect(keyAction(ev('r', input))).toBeNull();
    const ta = document.body.appendChild(document.createElement('textarea'));
    expect(keyAction(ev('j', ta))).toBeNull();
    expect(keyAction(ev('r', document.body, { ctrlKey: true }))).toBeNull();
    expect(keyAction(ev('u', document.body, { metaKey: true }))).toBeNull();
    expect(keyAction(ev('j', document.body, { defaultPrevented: true }))).toBeNull();
    input.remove();
    ta.remove();
  });
});

describe('a mouse selection', () => {
  it('becomes code points of the stored text, across highlights and emoji', () => {
    const el = document.body.appendChild(document.createElement('div'));
    // As the reading view draws it: text and <mark>s, labels only in CSS.
    el.innerHTML = '🎉🎉 Congrats to <mark data-label="Member A">sunflower_jo</mark>! 👶 Text 07700 900123';
    const mark = el.querySelector('mark')!;
    const after = mark.nextSibling!; // "! 👶 Text 07700 900123"
    const r = document.createRange();
    r.setStart(mark.firstChild!, 4); // "lower_jo…"
    r.setEnd(after, '! 👶 Text'.length);
    const got = selectionInField(el, r, TEXT)!;
    expect(cpSlice(TEXT, got.start, got.end)).toBe('lower_jo! 👶 Text');
    expect(got).toEqual({ start: 19, end: 35 });
    const collapsed = document.createRange();
    collapsed.setStart(after, 1);
    expect(selectionInField(el, collapsed, TEXT)).toBeNull();
    el.remove();
  });
});

describe('candidate items', () => {
  it('names the kind, the answers and the summary line', async () => {
    const { CANDIDATE_KIND, candidateState, candidatesLine, kindLabel, kindOne, CANDIDATE_LABELS } = await import('./review');
    expect(kindLabel(CANDIDATE_KIND)).toBe('What others wrote about you');
    expect(kindOne(CANDIDATE_KIND)).toBe('Mention');
    expect(candidateState(true)).toBe('accepted');
    expect(candidateState(false)).toBe('declined');
    expect(candidateState(null)).toBe('undecided');
    expect(CANDIDATE_LABELS.undecided).toContain('left out unless accepted');
    expect(candidatesLine({ items: 0, accepted: 0, declined: 0, undecided: 0 })).toBe('');
    expect(candidatesLine({ items: 3, accepted: 1, declined: 1, undecided: 1 })).toBe(
      'What others wrote about you: 3 candidate items — 1 accepted, 1 declined, 1 not decided (left out)',
    );
    expect(candidatesLine({ items: 1, accepted: 1, declined: 0, undecided: 0 })).toBe('What others wrote about you: 1 candidate item — 1 accepted, 0 declined');
  });
});
