import { open, save } from '@tauri-apps/plugin-dialog';

/** The file types the import accepts. */
export const IMPORT_EXTENSIONS = ['csv', 'tsv', 'txt', 'xlsx', 'ods'];

/** Asks for one file to import; null when the person cancels. */
export async function chooseImportFile(title: string, filterName: string): Promise<string | null> {
  const picked = await open({
    title,
    multiple: false,
    directory: false,
    filters: [{ name: filterName, extensions: IMPORT_EXTENSIONS }],
  });
  return typeof picked === 'string' ? picked : null;
}

/** Asks where to write a CSV file; null when the person cancels. */
export async function chooseCsvTarget(
  title: string,
  filterName: string,
  defaultPath?: string,
): Promise<string | null> {
  const picked = await save({
    title,
    defaultPath,
    filters: [{ name: filterName, extensions: ['csv'] }],
  });
  return picked ?? null;
}
