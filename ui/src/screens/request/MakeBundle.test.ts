// The bundle panel: the choice of encrypted form reaches the core, and the
// passphrase and the covering email are shown to copy.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';

const api = vi.hoisted(() => ({ bundleMake: vi.fn(), pickSave: vi.fn(), cancelJob: vi.fn(), revealFile: vi.fn() }));
vi.mock('../../lib/api', () => api);

import MakeBundle from './MakeBundle.svelte';

let target: HTMLElement;
let cmp: ReturnType<typeof mount> | null = null;
beforeEach(() => {
  target = document.body.appendChild(document.createElement('div'));
});
afterEach(() => {
  if (cmp) unmount(cmp);
  cmp = null;
  target.remove();
  vi.clearAllMocks();
});

const tick = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

const made = (form: string) => ({
  path: '/tmp/b.zip', sha256: 'ab', bytes: 1000, files: 3, rows: 20,
  passphrase: 'k7mqxe3r9ptahwc2fd8n', passphrase_grouped: 'k7mq xe3r 9pta hwc2 fd8n', passphrase_bits: 99,
  passphrase_message: 'The passphrase for your netmums data bundle is: k7mq xe3r 9pta hwc2 fd8n',
  request_ref: 'SAR-1', form, letter_subject: 'Your personal data from netmums', letter: 'This bundle answers your request.',
});

function setPath(v: string) {
  const el = target.querySelector<HTMLInputElement>('[data-testid="bundle-path"]')!;
  el.value = v;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('MakeBundle', () => {
  it('makes the encrypted PDF by default and shows the passphrase grouped and as typed', async () => {
    api.bundleMake.mockResolvedValue(made('pdf-aes256'));
    cmp = mount(MakeBundle, { target, props: { site: 'netmums', memberId: 'm-1', reference: 'SAR-1' } });
    flushSync();
    expect(target.querySelector<HTMLInputElement>('[data-testid="bundle-encryption-pdf"]')!.checked).toBe(true);
    setPath('/tmp/b.zip');
    target.querySelector<HTMLButtonElement>('[data-testid="bundle-start"]')!.click();
    await tick();
    expect(api.bundleMake).toHaveBeenCalledWith(expect.objectContaining({ encrypt: true, encryption: 'pdf', out: '/tmp/b.zip', withMentions: false }), expect.any(Function));
    expect(target.querySelector('[data-testid="bundle-passphrase"]')!.textContent).toBe('k7mq xe3r 9pta hwc2 fd8n');
    expect(target.querySelector('[data-testid="bundle-passphrase-typed"]')!.textContent).toBe('k7mqxe3r9ptahwc2fd8n');
    expect(target.textContent).toContain('in lower case, without the spaces');
    expect(target.textContent).toContain('opens on any computer or phone');
    expect(target.querySelector('[data-testid="bundle-letter-copy"]')).not.toBeNull();
    expect(target.querySelector('[data-testid="bundle-passphrase-message"]')).not.toBeNull();
  });

  it('passes the AES zip when chosen, and no form when not encrypting', async () => {
    api.bundleMake.mockResolvedValue(made('zip-aes256'));
    cmp = mount(MakeBundle, { target, props: { site: 'netmums', memberId: 'm-1', reference: null } });
    flushSync();
    setPath('/tmp/b.zip');
    target.querySelector<HTMLInputElement>('[data-testid="bundle-encryption-zip"]')!.click();
    flushSync();
    target.querySelector<HTMLButtonElement>('[data-testid="bundle-start"]')!.click();
    await tick();
    expect(api.bundleMake).toHaveBeenLastCalledWith(expect.objectContaining({ encrypt: true, encryption: 'zip' }), expect.any(Function));
    expect(target.textContent).toContain('7-Zip');
    target.querySelector<HTMLInputElement>('[data-testid="bundle-encrypt"]')!.click();
    flushSync();
    expect(target.querySelector('[data-testid="bundle-encryption-zip"]')).toBeNull();
  });

  it('asks for what others wrote about the member only when ticked', async () => {
    api.bundleMake.mockResolvedValue(made('zip'));
    cmp = mount(MakeBundle, { target, props: { site: 'netmums', memberId: 'm-1', reference: null } });
    flushSync();
    setPath('/tmp/b.zip');
    target.querySelector<HTMLInputElement>('[data-testid="bundle-with-mentions"]')!.click();
    flushSync();
    target.querySelector<HTMLButtonElement>('[data-testid="bundle-start"]')!.click();
    await tick();
    expect(api.bundleMake).toHaveBeenLastCalledWith(expect.objectContaining({ withMentions: true }), expect.any(Function));
  });
});
