import { describe, expect, it } from 'vitest';
import { backupBlocker, suggestedBackupName, toBackupForm, toBackupSettings } from './backups';

describe('the automatic-backup form', () => {
  it('round-trips the settings, an empty folder meaning off', () => {
    const settings = { folder: '/media/usb/appeal', every_hours: 24, keep: 10 };
    expect(toBackupSettings(toBackupForm(settings))).toEqual(settings);
    expect(toBackupForm({ folder: null, every_hours: 24, keep: 10 }).folder).toBe('');
    expect(toBackupSettings({ folder: '   ', every_hours: '6', keep: '3' })).toEqual({ folder: null, every_hours: 6, keep: 3 });
  });

  it('trims the folder typed', () => {
    expect(toBackupSettings({ folder: ' /mnt/backup ', every_hours: '24', keep: '7' }).folder).toBe('/mnt/backup');
  });

  it('needs whole numbers of at least one hour and one backup', () => {
    expect(backupBlocker({ folder: '', every_hours: '24', keep: '10' })).toBeNull();
    expect(backupBlocker({ folder: '', every_hours: '0', keep: '10' })).toBe('bad_hours');
    expect(backupBlocker({ folder: '', every_hours: '1.5', keep: '10' })).toBe('bad_hours');
    expect(backupBlocker({ folder: '', every_hours: '24', keep: '' })).toBe('bad_keep');
    expect(backupBlocker({ folder: '', every_hours: '24', keep: '1000' })).toBe('bad_keep');
  });
});

describe('suggestedBackupName', () => {
  it('names the backup by the local date', () => {
    expect(suggestedBackupName(new Date(2026, 0, 5, 23, 59))).toBe('appeal-desk-2026-01-05.db');
  });
});
