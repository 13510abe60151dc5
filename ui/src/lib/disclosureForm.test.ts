import { describe, expect, it } from 'vitest';
import { emptyForm, fromContent, toInput, validateDisclosure, type DisclosureForm } from './disclosureForm';

const NOW = new Date('2026-11-23T12:00:00Z');

function valid(): DisclosureForm {
  const f = emptyForm('netmums', 'm-1042');
  f.disclosed_at = '2026-11-04T16:20';
  f.recipient.organisation = 'Greater Manchester Police';
  f.lawful_basis = 'uk_gdpr_6_1_d_vital_interests';
  f.data_categories = 'identity\ncontact details';
  f.items_disclosed = 'email address';
  f.necessity_and_proportionality = 'Risk to life.';
  f.authorised_by = 'Asha (DPO)';
  f.member_informed = 'true';
  return f;
}

describe('validateDisclosure', () => {
  it('accepts a complete form', () => {
    expect(validateDisclosure(valid(), NOW)).toEqual({});
  });

  it('names every missing required field by its JSON key', () => {
    const p = validateDisclosure(emptyForm(), NOW);
    expect(Object.keys(p).sort()).toEqual(
      ['authorised_by', 'data_categories', 'disclosed_at', 'items_disclosed', 'lawful_basis', 'member_ids', 'member_informed', 'necessity_and_proportionality', 'recipient.organisation', 'site'].sort(),
    );
  });

  it('requires the detail for "other"', () => {
    const f = valid();
    f.lawful_basis = 'other';
    expect(validateDisclosure(f, NOW)).toHaveProperty('lawful_basis_detail');
    f.lawful_basis_detail = 'Statutory request under …';
    expect(validateDisclosure(f, NOW)).toEqual({});
  });

  it('requires all three safeguarding conditions for Sch 1 para 18', () => {
    const f = valid();
    f.lawful_basis = 'dpa2018_sch1_para18';
    expect(Object.keys(validateDisclosure(f, NOW)).sort()).toEqual([
      'safeguarding_conditions.consent_not_sought_because',
      'safeguarding_conditions.necessary_to_protect',
      'safeguarding_conditions.substantial_public_interest',
    ]);
    f.safeguarding_conditions = { necessary_to_protect: true, consent_not_sought_because: 'would prejudice', substantial_public_interest: true };
    expect(validateDisclosure(f, NOW)).toEqual({});
  });

  it('requires a reason when the member was not told', () => {
    const f = valid();
    f.member_informed = 'false';
    expect(validateDisclosure(f, NOW)).toHaveProperty('not_informed_reason');
    f.not_informed_reason = 'Would tip them off';
    expect(validateDisclosure(f, NOW)).toEqual({});
  });

  it('refuses a time in the future and a repeated member', () => {
    const f = valid();
    f.disclosed_at = '2027-01-01T10:00';
    f.member_ids = 'm-1, m-2 m-1';
    const p = validateDisclosure(f, NOW);
    expect(p.disclosed_at).toMatch(/future/);
    expect(p.member_ids).toMatch(/m-1/);
  });

  it('checks trigger rows, ignoring empty ones', () => {
    const f = valid();
    f.triggered_by = [{ entity: '', id: '' }, { entity: 'posts', id: '' }, { entity: 'bogus', id: 'x' }];
    const p = validateDisclosure(f, NOW);
    expect(p).not.toHaveProperty('triggered_by[0].id');
    expect(p).toHaveProperty('triggered_by[1].id');
    expect(p).toHaveProperty('triggered_by[2].entity');
  });
});

describe('§4 JSON', () => {
  it('builds the input core expects', () => {
    const f = valid();
    f.member_ids = 'm-1042, m-2210';
    f.triggered_by = [{ entity: 'posts', id: ' p-77 ' }, { entity: '', id: '' }];
    const i = toInput(f);
    expect(i.member_ids).toEqual(['m-1042', 'm-2210']);
    expect(i.disclosed_at).toMatch(/Z$/);
    expect(i.recipient).toEqual({ organisation: 'Greater Manchester Police', team: null, officer: null, contact: null });
    expect(i.triggered_by).toEqual([{ entity: 'posts', id: 'p-77' }]);
    expect(i.data_categories).toEqual(['identity', 'contact details']);
    expect(i.member_informed).toBe(true);
    expect(i.not_informed_reason).toBeNull();
    expect(i).not.toHaveProperty('safeguarding_conditions');
    expect(i).not.toHaveProperty('acknowledge_missing_members');
  });

  it('round-trips a stored entry for an amendment', () => {
    const f = valid();
    f.lawful_basis = 'dpa2018_sch1_para18';
    f.safeguarding_conditions = { necessary_to_protect: true, consent_not_sought_because: 'x', substantial_public_interest: true };
    f.member_informed = 'false';
    f.not_informed_reason = 'y';
    const input = toInput(f);
    const back = fromContent({ ...(input as unknown as Record<string, never>), recorded_by: 'asha' as never });
    expect(toInput(back)).toEqual(input);
  });
});
