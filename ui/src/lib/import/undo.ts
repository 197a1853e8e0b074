import type { UndoReport } from '../../bindings/UndoReport';
import type { MessageKey } from '../i18n/en';
import type { Params } from '../i18n/types';

/** One sentence saying what undoing an import changed. */
export function undoMessage(report: UndoReport, tr: (key: MessageKey, params?: Params) => string): string {
  return tr('undo.done', {
    removed: report.removed,
    restored: report.restored,
    kept: report.kept,
    signatures: report.signatures,
  });
}
