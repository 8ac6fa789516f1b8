// Local sign-in: paste a token from `npx dpl token --role admin|reader`. It is checked against the
// API before it is kept, so a token from another DATA_DIR is refused here rather than on every poll.
import { api, ApiError, readToken, signIn, signOut } from '../api.js';
import { h } from '../dom.js';
import { noRefresh, type Page } from '../page.js';

export function signInPage(opts: { onSignedIn: () => void }): Page {
  return {
    title: 'Sign in',
    refresh: noRefresh,
    mount(root) {
      const error = h('p', { id: 'token-error', class: 'error', role: 'alert' });
      const input = h('textarea', {
        id: 'token',
        name: 'token',
        rows: 4,
        required: true,
        autocomplete: 'off',
        spellcheck: 'false',
        'aria-describedby': 'token-help token-error',
      });
      const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
      const form = h(
        'form',
        { class: 'signin', novalidate: true },
        h('label', { for: 'token' }, 'Bearer token'),
        h(
          'p',
          { id: 'token-help', class: 'help' },
          'On this machine, print one with ',
          h('code', {}, 'npx dpl token --role admin'),
          ' (or ',
          h('code', {}, '--role reader'),
          '). It is kept in this tab only and sent to the admin API with every request.',
        ),
        input,
        error,
        submit,
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        void (async () => {
          error.textContent = '';
          const s = readToken(input.value.trim(), 'pasted');
          if (typeof s === 'string') {
            error.textContent = s;
            input.setAttribute('aria-invalid', 'true');
            input.focus();
            return;
          }
          submit.disabled = true;
          signIn(s);
          try {
            await api('GET', '/workspaces');
            input.value = '';
            opts.onSignedIn();
          } catch (err) {
            signOut();
            error.textContent = err instanceof ApiError && err.status === 401 ? 'The admin API refused this token (wrong key or expired).' : `Could not reach the admin API: ${(err as Error).message}`;
            input.setAttribute('aria-invalid', 'true');
            input.focus();
          } finally {
            submit.disabled = false;
          }
        })();
      });
      root.append(h('h1', {}, 'Sign in to the operator console'), form);
      input.focus();
    },
  };
}
