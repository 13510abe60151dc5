import { describe, expect, it, vi } from 'vitest';
import { answerReplace, askReplace, replaceAsk, saveExport } from './exportFile.svelte';

const conflict = { code: 'conflict', message: '/tmp/a.csv: already exists; not replaced', problems: [], more_problems: 0 };

describe('saving an export', () => {
  it('a path from the save dialog was confirmed there: force', async () => {
    const write = vi.fn(async () => null);
    expect(await saveExport({ typed: '  ', pick: async () => '/tmp/a.csv', write })).toBe('/tmp/a.csv');
    expect(write).toHaveBeenCalledWith('/tmp/a.csv', true);
    // Cancelling the dialog writes nothing.
    write.mockClear();
    expect(await saveExport({ typed: '', pick: async () => null, write })).toBeNull();
    expect(write).not.toHaveBeenCalled();
  });

  it('a typed path never replaces a file unless the user says so', async () => {
    const write = vi.fn(async (_p: string, force: boolean) => {
      if (!force) throw conflict;
      return null;
    });
    const no = vi.fn(async () => false);
    expect(await saveExport({ typed: '/tmp/a.csv', pick: async () => null, write, confirmReplace: no })).toBeNull();
    expect(write.mock.calls).toEqual([['/tmp/a.csv', false]]);
    expect(no).toHaveBeenCalledWith('/tmp/a.csv');
    write.mockClear();
    const yes = async () => true;
    expect(await saveExport({ typed: '/tmp/a.csv', pick: async () => null, write, confirmReplace: yes })).toBe('/tmp/a.csv');
    expect(write.mock.calls).toEqual([
      ['/tmp/a.csv', false],
      ['/tmp/a.csv', true],
    ]);
  });

  it('other errors are the caller’s', async () => {
    const io = { code: 'io', message: 'no such folder', problems: [], more_problems: 0 };
    const write = vi.fn(async () => {
      throw io;
    });
    await expect(saveExport({ typed: '/x/a.csv', pick: async () => null, write })).rejects.toBe(io);
  });

  it('asks with the app dialog by default', async () => {
    const q = askReplace('/tmp/b.csv');
    expect(replaceAsk.path).toBe('/tmp/b.csv');
    answerReplace(true);
    answerReplace(false); // a second answer is ignored
    await expect(q).resolves.toBe(true);
    expect(replaceAsk.path).toBeNull();
  });
});
