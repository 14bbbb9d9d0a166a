// The sign-in key of this tab. Kept in sessionStorage: it lives as long as the tab and
// is never shared with other tabs or written to disk like localStorage.

const TOKEN_KEY = "genesis-mesh:token";
const listeners = new Set();

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

export function setToken(token) {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage disabled: the key works until the page is reloaded
  }
}

export function clearToken() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
}

/** Call `listener(message)` whenever the server says the tab must sign in (again). */
export function onAuthRequired(listener) {
  listeners.add(listener);
}

export function authRequired(message) {
  listeners.forEach((listener) => listener(message));
}
