import { useState } from 'react';
import { LoginForm, LoginPage as PfLoginPage } from '@patternfly/react-core';
import { login } from '../api.ts';
import { messageOf } from '../util.tsx';

/** vmgate's mark (a data: URL: the page loads nothing from elsewhere). */
const BRAND = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40" viewBox="0 0 180 40"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#0066cc"/><stop offset="1" stop-color="#5e40be"/></linearGradient></defs><rect width="40" height="40" rx="9" fill="url(#g)"/><text x="20" y="27" font-family="sans-serif" font-size="18" font-weight="700" fill="#fff" text-anchor="middle">vg</text><text x="52" y="29" font-family="sans-serif" font-size="26" font-weight="600" fill="#151515">vmgate</text></svg>')}`;

/** Any vmgate account logs in; the session lives in an HttpOnly cookie the page never reads. */
export function LoginPage({ onLoggedIn, startupError }: { onLoggedIn: () => Promise<void>; startupError: string | null }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(startupError);
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.MouseEvent<HTMLButtonElement, MouseEvent>): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await login(user, password);
      setPassword('');
      await onLoggedIn();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <PfLoginPage
      brandImgSrc={BRAND}
      brandImgAlt="vmgate"
      loginTitle="Log in to vmgate"
      loginSubtitle="Virtual machines, desktops and consoles"
      textContent="vmgate runs virtual machines on QEMU or its simulator and serves them to the vSphere API, View clients, RDV and this dashboard."
    >
      <LoginForm
        showHelperText={error !== null}
        helperText={<span role="alert" data-testid="login-error">{error}</span>}
        helperTextIcon={undefined}
        usernameLabel="User name"
        usernameValue={user}
        onChangeUsername={(_e, v) => setUser(v)}
        isValidUsername={error === null}
        passwordLabel="Password"
        passwordValue={password}
        onChangePassword={(_e, v) => setPassword(v)}
        isValidPassword={error === null}
        isShowPasswordEnabled
        onLoginButtonClick={(e) => void submit(e)}
        isLoginButtonDisabled={busy || user === '' || password === ''}
        loginButtonLabel={busy ? 'Logging in…' : 'Log in'}
      />
    </PfLoginPage>
  );
}
