// The New/Amend disclosure form (vault-and-access-v1.md §4): its state, the
// inline validation (mirrors core's rules so the user sees problems before
// sending; core still validates), and conversion to and from the §4 JSON.
import type { DisclosureInput, Json, JsonObject } from './types';
import { localToRfc3339, rfc3339ToLocal } from './format';

export const LAWFUL_BASES: { code: string; label: string }[] = [
  { code: 'uk_gdpr_6_1_d_vital_interests', label: 'UK GDPR Art 6(1)(d) — vital interests' },
  { code: 'uk_gdpr_6_1_c_legal_obligation', label: 'UK GDPR Art 6(1)(c) — legal obligation' },
  { code: 'uk_gdpr_6_1_e_public_task', label: 'UK GDPR Art 6(1)(e) — public task' },
  { code: 'dpa2018_sch1_para18', label: 'DPA 2018 Sch 1 para 18 — safeguarding of children and individuals at risk' },
  { code: 'dpa2018_sch2_para2', label: 'DPA 2018 Sch 2 para 2 — crime and taxation' },
  { code: 'court_order', label: 'Court order' },
  { code: 'consent', label: 'Consent' },
  { code: 'other', label: 'Other (explain in the detail)' },
];

export function lawfulBasisLabel(code: string | null | undefined): string {
  if (!code) return '—';
  return LAWFUL_BASES.find((b) => b.code === code)?.label ?? code;
}

export const TRIGGER_ENTITIES: { code: string; label: string }[] = [
  { code: 'posts', label: 'Post' },
  { code: 'private_messages', label: 'Private message' },
  { code: 'helpdesk_tickets', label: 'Helpdesk ticket' },
  { code: 'consent_events', label: 'Consent event' },
  { code: 'competition_entries', label: 'Competition entry' },
  { code: 'survey_responses', label: 'Survey response' },
  { code: 'reviews', label: 'Review' },
  { code: 'local_listings', label: 'Local listing' },
  { code: 'login_events', label: 'Login' },
  { code: 'social_accounts', label: 'Social account' },
  { code: 'children', label: 'Child record' },
];

export interface DisclosureForm {
  site: string;
  /** Member ids separated by commas, spaces or new lines. */
  member_ids: string;
  /** A `datetime-local` value (the machine's wall time). */
  disclosed_at: string;
  recipient: { organisation: string; team: string; officer: string; contact: string };
  request_reference: string;
  urgent: boolean;
  lawful_basis: string;
  lawful_basis_detail: string;
  safeguarding_conditions: {
    necessary_to_protect: boolean;
    consent_not_sought_because: string;
    substantial_public_interest: boolean;
  };
  triggered_by: { entity: string; id: string }[];
  /** One per line. */
  data_categories: string;
  /** One per line. */
  items_disclosed: string;
  necessity_and_proportionality: string;
  authorised_by: string;
  /** '' until the user answers; the select's values are 'true' / 'false'. */
  member_informed: '' | 'true' | 'false';
  not_informed_reason: string;
  acknowledge_missing_members: boolean;
}

export function emptyForm(site = '', memberId = ''): DisclosureForm {
  return {
    site,
    member_ids: memberId,
    disclosed_at: '',
    recipient: { organisation: '', team: '', officer: '', contact: '' },
    request_reference: '',
    urgent: false,
    lawful_basis: '',
    lawful_basis_detail: '',
    safeguarding_conditions: { necessary_to_protect: false, consent_not_sought_because: '', substantial_public_interest: false },
    triggered_by: [],
    data_categories: '',
    items_disclosed: '',
    necessity_and_proportionality: '',
    authorised_by: '',
    member_informed: '',
    not_informed_reason: '',
    acknowledge_missing_members: false,
  };
}

export function splitIds(s: string): string[] {
  return s.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
}

export function splitLines(s: string): string[] {
  return s.split(/\r?\n/).map((x) => x.trim()).filter(Boolean);
}

const blank = (s: string) => s.trim() === '';

/**
 * Problems by field (core's field names: `recipient.organisation`,
 * `safeguarding_conditions.consent_not_sought_because`, `triggered_by[0].id`).
 * Empty when the form may be sent.
 */
export function validateDisclosure(f: DisclosureForm, now: Date = new Date()): Record<string, string> {
  const p: Record<string, string> = {};
  if (blank(f.site)) p.site = 'Choose the site.';

  const ids = splitIds(f.member_ids);
  if (ids.length === 0) p.member_ids = 'Enter at least one member id.';
  else {
    const dup = ids.find((x, i) => ids.indexOf(x) !== i);
    if (dup) p.member_ids = `Member ${dup} is listed twice.`;
  }

  if (blank(f.disclosed_at)) p.disclosed_at = 'Enter when the disclosure was made.';
  else {
    const iso = localToRfc3339(f.disclosed_at);
    if (!iso) p.disclosed_at = 'That is not a date and time.';
    else if (Date.parse(iso) > now.getTime()) p.disclosed_at = 'That is in the future.';
  }

  if (blank(f.recipient.organisation)) p['recipient.organisation'] = 'Enter the organisation the data went to.';

  if (blank(f.lawful_basis)) p.lawful_basis = 'Choose the lawful basis.';
  else if (!LAWFUL_BASES.some((b) => b.code === f.lawful_basis)) p.lawful_basis = 'Choose one of the listed bases.';
  if (f.lawful_basis === 'other' && blank(f.lawful_basis_detail)) p.lawful_basis_detail = 'Explain the basis when it is “Other”.';

  if (f.lawful_basis === 'dpa2018_sch1_para18') {
    const c = f.safeguarding_conditions;
    if (!c.necessary_to_protect)
      p['safeguarding_conditions.necessary_to_protect'] = 'Sch 1 para 18 needs the disclosure to be necessary to protect a child or an individual at risk.';
    if (blank(c.consent_not_sought_because))
      p['safeguarding_conditions.consent_not_sought_because'] = 'Say why consent was not sought.';
    if (!c.substantial_public_interest)
      p['safeguarding_conditions.substantial_public_interest'] = 'Sch 1 para 18 needs the disclosure to be in the substantial public interest.';
  }

  f.triggered_by.forEach((t, i) => {
    if (blank(t.entity) && blank(t.id)) return; // an empty row is ignored
    if (!TRIGGER_ENTITIES.some((e) => e.code === t.entity)) p[`triggered_by[${i}].entity`] = 'Choose what kind of record it is.';
    if (blank(t.id)) p[`triggered_by[${i}].id`] = 'Enter the record id.';
  });

  if (splitLines(f.data_categories).length === 0) p.data_categories = 'List at least one category of data.';
  if (splitLines(f.items_disclosed).length === 0) p.items_disclosed = 'List at least one item disclosed.';
  if (blank(f.necessity_and_proportionality)) p.necessity_and_proportionality = 'Explain why it was necessary and proportionate.';
  if (blank(f.authorised_by)) p.authorised_by = 'Enter who authorised it.';
  if (f.member_informed === '') p.member_informed = 'Say whether the member was told.';
  if (f.member_informed === 'false' && blank(f.not_informed_reason)) p.not_informed_reason = 'Say why the member was not told.';
  return p;
}

const opt = (s: string): string | null => (blank(s) ? null : s.trim());

/** The §4 JSON for `disclosure_record` / `disclosure_amend`. */
export function toInput(f: DisclosureForm): DisclosureInput {
  const input: DisclosureInput = {
    site: f.site.trim(),
    member_ids: splitIds(f.member_ids),
    disclosed_at: localToRfc3339(f.disclosed_at) ?? f.disclosed_at,
    recipient: {
      organisation: f.recipient.organisation.trim(),
      team: opt(f.recipient.team),
      officer: opt(f.recipient.officer),
      contact: opt(f.recipient.contact),
    },
    request_reference: opt(f.request_reference),
    urgent: f.urgent,
    lawful_basis: f.lawful_basis,
    lawful_basis_detail: opt(f.lawful_basis_detail),
    triggered_by: f.triggered_by
      .filter((t) => !(blank(t.entity) && blank(t.id)))
      .map((t) => ({ entity: t.entity, id: t.id.trim() })),
    data_categories: splitLines(f.data_categories),
    items_disclosed: splitLines(f.items_disclosed),
    necessity_and_proportionality: f.necessity_and_proportionality.trim(),
    authorised_by: f.authorised_by.trim(),
    member_informed: f.member_informed === 'true',
    not_informed_reason: f.member_informed === 'false' ? opt(f.not_informed_reason) : null,
  };
  if (f.lawful_basis === 'dpa2018_sch1_para18') {
    input.safeguarding_conditions = {
      necessary_to_protect: f.safeguarding_conditions.necessary_to_protect,
      consent_not_sought_because: f.safeguarding_conditions.consent_not_sought_because.trim(),
      substantial_public_interest: f.safeguarding_conditions.substantial_public_interest,
    };
  }
  if (f.acknowledge_missing_members) input.acknowledge_missing_members = true;
  return input;
}

function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}
function strList(v: Json | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
function obj(v: Json | undefined): JsonObject {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/** Prefill the form from a stored entry (for an amendment). */
export function fromContent(c: JsonObject): DisclosureForm {
  const r = obj(c.recipient);
  const sc = obj(c.safeguarding_conditions);
  const triggers = Array.isArray(c.triggered_by) ? c.triggered_by : [];
  return {
    site: str(c.site),
    member_ids: strList(c.member_ids).join(', '),
    disclosed_at: rfc3339ToLocal(str(c.disclosed_at)),
    recipient: { organisation: str(r.organisation), team: str(r.team), officer: str(r.officer), contact: str(r.contact) },
    request_reference: str(c.request_reference),
    urgent: c.urgent === true,
    lawful_basis: str(c.lawful_basis),
    lawful_basis_detail: str(c.lawful_basis_detail),
    safeguarding_conditions: {
      necessary_to_protect: sc.necessary_to_protect === true,
      consent_not_sought_because: str(sc.consent_not_sought_because),
      substantial_public_interest: sc.substantial_public_interest === true,
    },
    triggered_by: triggers.map((t) => ({ entity: str(obj(t).entity), id: str(obj(t).id) })),
    data_categories: strList(c.data_categories).join('\n'),
    items_disclosed: strList(c.items_disclosed).join('\n'),
    necessity_and_proportionality: str(c.necessity_and_proportionality),
    authorised_by: str(c.authorised_by),
    member_informed: c.member_informed === true ? 'true' : c.member_informed === false ? 'false' : '',
    not_informed_reason: str(c.not_informed_reason),
    acknowledge_missing_members: Array.isArray(c.missing_members) && c.missing_members.length > 0,
  };
}
