import { afterEach, describe, expect, it, vi } from 'vitest';

// Tauri's invoke, answering as the backend would; the wrapper under test is the real one.
const answer = vi.hoisted(() => ({ next: null as (() => Promise<unknown>) | null }));
vi.mock('@tauri-apps/api/core', () => ({
  invoke: () => (answer.next ? answer.next() : Promise.resolve(null)),
}));

const { invoke, onLockedRefusal } = await import('./ipc');

describe('the commands’ one door', () => {
  let stop: (() => void) | null = null;
  afterEach(() => {
    stop?.();
    answer.next = null;
  });

  it('tells the listeners when a command is refused because the database is locked, and still rejects', async () => {
    const heard = vi.fn();
    stop = onLockedRefusal(heard);
    answer.next = () => Promise.reject({ code: 'locked', message: 'the database is locked; unlock it to go on' });
    await expect(invoke('list_campaigns')).rejects.toMatchObject({ code: 'locked' });
    expect(heard).toHaveBeenCalledTimes(1);
  });

  it('says nothing for other errors, or for a command whose "locked" means something else', async () => {
    const heard = vi.fn();
    stop = onLockedRefusal(heard);
    answer.next = () => Promise.reject({ code: 'not_found', message: 'gone' });
    await expect(invoke('get_signatory')).rejects.toMatchObject({ code: 'not_found' });
    answer.next = () => Promise.reject({ code: 'locked', message: 'this backup was taken with an earlier key' });
    await expect(invoke('restore_backup', {}, { lockedMeansClosed: false })).rejects.toMatchObject({ code: 'locked' });
    expect(heard).not.toHaveBeenCalled();
  });

  it('passes answers through', async () => {
    answer.next = () => Promise.resolve([1, 2]);
    expect(await invoke('list_campaigns')).toEqual([1, 2]);
  });
});
