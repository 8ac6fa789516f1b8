// What a page gives the shell, and what the shell gives a page.

export interface PageContext {
  /** Whether to render admin controls; the API refuses readers anyway (403). */
  admin: boolean;
  /** Says something to screen readers through the shell's live region. */
  announce(message: string): void;
  /** Polls now rather than at the next tick, after an action changed something. */
  refreshSoon(): void;
}

export interface Page {
  title: string;
  mount(root: HTMLElement): void;
  /** Reads the API and updates the page in place; the shell calls it every poll. */
  refresh(): Promise<void>;
}

/** For pages with nothing to poll. */
export const noRefresh = async (): Promise<void> => undefined;
