/** Who is asking. Every core operation takes one; faces get it from a session. */
export interface Caller {
  readonly kind: 'user' | 'system';
  readonly userId: string;
  readonly userName: string;
  readonly groupIds: readonly string[];
  /** Session id (token hash) when the call came through a session. */
  readonly sessionId: string | null;
}

/** Internal work: first start, demo inventory, recovery. Has every privilege. */
export const SYSTEM_CALLER: Caller = {
  kind: 'system',
  userId: 'system',
  userName: 'vmgate',
  groupIds: [],
  sessionId: null,
};
