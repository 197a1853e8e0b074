import { open, save } from '@tauri-apps/plugin-dialog';

/** The file types the import accepts. */
export const IMPORT_EXTENSIONS = ['csv', 'tsv', 'txt', 'xlsx', 'ods'];

/** Asks for one existing file of the given types; null when the person cancels. */
export async function chooseFile(title: string, filterName: string, extensions: string[]): Promise<string | null> {
  const picked = await open({
    title,
    multiple: false,
    directory: false,
    filters: [{ name: filterName, extensions }],
  });
  return typeof picked === 'string' ? picked : null;
}

/** Asks for one file to import; null when the person cancels. */
export function chooseImportFile(title: string, filterName: string): Promise<string | null> {
  return chooseFile(title, filterName, IMPORT_EXTENSIONS);
}

/** Asks for a folder (to write files into); null when the person cancels. */
export async function chooseFolder(title: string): Promise<string | null> {
  const picked = await open({ title, multiple: false, directory: true });
  return typeof picked === 'string' ? picked : null;
}

/** Asks where to write a file of the given type; null when the person cancels. */
export async function chooseSaveTarget(
  title: string,
  filterName: string,
  extensions: string[],
  defaultPath?: string,
): Promise<string | null> {
  const picked = await save({ title, defaultPath, filters: [{ name: filterName, extensions }] });
  return picked ?? null;
}

/** Asks where to write a CSV file; null when the person cancels. */
export function chooseCsvTarget(title: string, filterName: string, defaultPath?: string): Promise<string | null> {
  return chooseSaveTarget(title, filterName, ['csv'], defaultPath);
}
