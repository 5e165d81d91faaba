import { useState } from 'react';
import { LoginForm, LoginPage as PfLoginPage } from '@patternfly/react-core';
import { login } from '../api.ts';
import { messageOf } from '../util.tsx';

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
      brandImgSrc={undefined}
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
