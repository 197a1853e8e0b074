import { invoke } from '../shared/ipc';
import type { DbInfo } from '../../bindings/DbInfo';

export function dbInfo(): Promise<DbInfo> {
  return invoke<DbInfo>('db_info');
}
