/**
 * The row types of `omnisep monitor`, in a module of their own: the reducer
 * (monitor-state.ts), the layout (layout.ts) and the detail view (detail.ts)
 * all use them, and keeping them here keeps those three files free of an
 * import cycle (detail → layout → monitor-state → detail).
 */
import type { ActivityRecord } from '../contracts/activity.js';
import type { PeerView } from '../contracts/diameter.js';
import type { OdsaSubscriptionView } from '../contracts/odsa.js';
import type { PushBacklogView } from '../contracts/push.js';
import type { SessionView } from '../contracts/sessions.js';
import type { TokenView } from '../contracts/tokens.js';
import type { VvmAccount, VvmSms } from '../contracts/vvm.js';

/** The panes, by the key that shows them (1–8). */
export type PaneId = 'activity' | 'sessions' | 'tokens' | 'peers' | 'vvm' | 'sms' | 'odsa' | 'push';

export type TokenState = 'active' | 'revoked' | 'expired';
/** A token as the Tokens pane shows it: the API's view plus the state computed at the daemon's "now". */
export type TokenRow = TokenView & { state: TokenState };

/** One row of any pane. */
export type Row = ActivityRecord | SessionView | TokenRow | PeerView | VvmAccount | VvmSms | OdsaSubscriptionView | PushBacklogView;

/** A row action the user confirmed (or one that needs no confirmation), carried out by the app through the source. */
export type RowAction =
  | { kind: 'revoke-token'; id: string; imsi: string | null }
  | { kind: 'drop-session'; id: string; imsi: string | null }
  | { kind: 'activity-of'; imsi: string };
