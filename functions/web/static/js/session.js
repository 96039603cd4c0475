// Who is signed in: the bearer token (kept in localStorage) and the profile from /api/me.

const TOKEN_KEY = "doable.token";
let currentUser = null;

export function token() {
  return localStorage.getItem(TOKEN_KEY);
}

export function user() {
  return currentUser;
}

export function setUser(profile) {
  currentUser = profile;
}

export function signIn(newToken, profile) {
  localStorage.setItem(TOKEN_KEY, newToken);
  currentUser = profile;
}

export function signOut() {
  localStorage.removeItem(TOKEN_KEY);
  currentUser = null;
}
