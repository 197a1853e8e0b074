import { invoke } from '@tauri-apps/api/core';
import type { DbInfo } from '../../bindings/DbInfo';

export function dbInfo(): Promise<DbInfo> {
  return invoke<DbInfo>('db_info');
}
