import type { MessageKey } from '../i18n/en';

export const VIEWS = ['signatories', 'import', 'imports', 'campaigns', 'export', 'targets', 'templates', 'mailings', 'sending', 'smtp', 'mailbox', 'security'] as const;
export type View = (typeof VIEWS)[number];

export const VIEW_LABELS: Record<View, MessageKey> = {
  signatories: 'nav.signatories',
  import: 'nav.import',
  imports: 'nav.imports',
  campaigns: 'nav.campaigns',
  export: 'nav.export',
  targets: 'nav.targets',
  templates: 'nav.templates',
  mailings: 'nav.mailings',
  sending: 'nav.sending',
  smtp: 'nav.smtp',
  mailbox: 'nav.mailbox',
  security: 'nav.security',
};
