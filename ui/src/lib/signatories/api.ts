import { invoke } from '../shared/ipc';
import type { EraseReport } from '../../bindings/EraseReport';
import type { Signatory } from '../../bindings/Signatory';
import type { SignatoryFields } from '../../bindings/SignatoryFields';
import type { SignatoryPage } from '../../bindings/SignatoryPage';
import type { SignatoryQuery } from '../../bindings/SignatoryQuery';

export function listSignatories(query: SignatoryQuery): Promise<SignatoryPage> {
  return invoke<SignatoryPage>('list_signatories', { query });
}

export function getSignatory(id: number): Promise<Signatory> {
  return invoke<Signatory>('get_signatory', { id });
}

export function updateSignatory(id: number, fields: SignatoryFields): Promise<Signatory> {
  return invoke<Signatory>('update_signatory', { id, fields });
}

export async function deleteSignatory(id: number): Promise<void> {
  await invoke<null>('delete_signatory', { id });
}

export function eraseSignatory(id: number): Promise<EraseReport> {
  return invoke<EraseReport>('erase_signatory', { id });
}
